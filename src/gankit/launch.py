"""What a training starts from: a preset plus changes for a new run, or a run directory plus
the few settings that may change when it is resumed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gankit.config import RunConfig
from gankit.errors import GankitError

RESUME_SETTINGS = ("steps", "device", "precision", "compile")  # what --resume may change


def absolute_root(cfg: RunConfig) -> RunConfig:
    """data.root as an absolute path, so the run can be resumed and evaluated from anywhere."""
    if cfg.data.root:
        cfg.data.root = str(Path(cfg.data.root).expanduser().resolve())
    return cfg


def new_run(preset: str, out: str | Path | None, overrides: list[str],
            values: dict[str, Any] | None = None) -> tuple[RunConfig, Path]:
    """The config of a new run of `preset` with `--set`-style `overrides`, then `values`
    (dotted key -> value), and its directory (which must not hold a run already)."""
    from gankit.presets import load_preset
    from gankit.runs import CONFIG_FILE

    if not out:
        raise GankitError("--out RUN is needed with --preset (the new run directory)")
    run_dir = Path(out)
    if (run_dir / CONFIG_FILE).exists():
        raise GankitError(f"{run_dir} already holds a run; continue it with --resume {run_dir} "
                          "or choose another --out")
    return absolute_root(load_preset(preset, overrides, values)), run_dir


def resumed_run(run: str | Path, data_dir: str | None = None, **changes) -> tuple[RunConfig, Path]:
    """The config of run `run` with the resume settings in `changes` (None: unchanged) and,
    with `data_dir`, its dataset found there (after a check that it is the same data),
    written back into the run (rank 0) when anything changed."""
    from gankit.runs import completed_steps, load_run_config, require_run, write_config
    from gankit.runtime.settings import join_world

    run_dir = require_run(run)
    cfg = load_run_config(run_dir)
    done = completed_steps(run_dir)
    if changes.get("steps") is not None and changes["steps"] < done:
        raise GankitError(f"--steps {changes['steps']} is below the {done} steps {run_dir} has done")
    changed = {k: v for k, v in changes.items() if v is not None}
    for key, value in changed.items():
        if key not in RESUME_SETTINGS:
            raise GankitError(f"{key} cannot change when resuming (only {', '.join(RESUME_SETTINGS)})")
        setattr(cfg.train, key, value)
    if data_dir is not None:
        moved_data(run_dir, cfg, data_dir)
        changed["data.root"] = cfg.data.root
    if data_dir is None and cfg.data.root and not Path(cfg.data.root).exists():
        raise GankitError(f"data.root {cfg.data.root} of {run_dir} does not exist; if the dataset "
                          f"moved, resume with --data-dir NEW_DIR (it is checked to be the same data)")
    if changed and join_world(cfg).is_main:
        write_config(run_dir, cfg, "resumed with new " + ", ".join(changed))
    return cfg, run_dir


def describe_start(cfg: RunConfig, run_dir: Path, resume: bool = False) -> str:
    """What a training would start from: the run, its data (read and checked) and its config."""
    from gankit.config import to_toml
    from gankit.data import build_source
    from gankit.runs import completed_steps

    source = build_source(cfg.data, cfg.train.seed)
    shapes = ", ".join(f"{k} {'x'.join(map(str, v))}" for k, v in source.spec.shapes.items())
    where = (f"resume {run_dir} from step {completed_steps(run_dir)}" if resume
             else f"new run {run_dir}")
    head = (f"# {where}, {cfg.train.steps} steps; data: {source.name}, {len(source)} examples "
            f"({shapes})\n")
    return head + to_toml(cfg)


def moved_data(run_dir: Path, cfg: RunConfig, data_dir: str) -> RunConfig:
    """Point cfg's data at `data_dir` after checking it holds the run's data."""
    from gankit.data.fingerprint import check_same_data

    cfg.data.root = str(Path(data_dir).expanduser().resolve())
    check_same_data(run_dir, cfg.data, cfg.train.seed)
    return cfg
