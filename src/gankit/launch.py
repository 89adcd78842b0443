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
            values: dict[str, Any] | None = None, force: bool = False) -> tuple[RunConfig, Path]:
    """The config of a new run of `preset` with `--set`-style `overrides`, then `values`
    (dotted key -> value), and its directory, which must not hold a run already nor (unless
    `force`) other files: gankit never writes into a folder it did not create."""
    from gankit.presets import load_preset
    from gankit.runs import CONFIG_FILE

    if not out:
        raise GankitError("--out RUN is needed with --preset (the new run directory)")
    run_dir = Path(out)
    if (run_dir / CONFIG_FILE).exists():
        raise GankitError(f"{run_dir} already holds a run; continue it with --resume {run_dir} "
                          "or choose another --out")
    if run_dir.exists() and not run_dir.is_dir():
        raise GankitError(f"--out {run_dir} is a file; a run is a folder")
    if run_dir.is_dir() and any(run_dir.iterdir()) and not force:
        raise GankitError(f"--out {run_dir} is a folder with other files in it; choose a new folder "
                          "(or --force to train into it anyway)")
    return absolute_root(load_preset(preset, overrides, values)), run_dir


RESUMABLE_KEYS = ("optim.lr.", "train.steps", "train.device", "train.precision", "train.compile",
                  "train.compile_mode", "train.log_every", "train.sample_every", "train.checkpoint_every",
                  "train.keep_checkpoints", "train.tensorboard", "train.eval_every", "train.eval_n",
                  "train.eval_metrics", "train.eval_features", "data.num_workers")


def resumed_run(run: str | Path, data_dir: str | None = None, overrides: list[str] = (),
                **changes) -> tuple[RunConfig, Path]:
    """The config of run `run` with the resume settings in `changes` (None: unchanged), the
    `--set` `overrides` of keys that may change on resume (learning rates, steps, device,
    precision, logging) and, with `data_dir`, its dataset found there (after a check that it
    is the same data). Everything is checked before anything is written; what changed is
    written into RUN/config.toml and recorded in RUN/resumes.jsonl (rank 0)."""
    import json
    import time

    from gankit.config import config_from_dict, config_to_dict, parse_override
    from gankit.config.toml import set_values
    from gankit.runs import completed_steps, load_run_config, require_run, write_config
    from gankit.runtime.settings import join_world, resolve_runtime

    run_dir = require_run(run)
    cfg = load_run_config(run_dir)
    done = completed_steps(run_dir)
    changed = {f"train.{k}": v for k, v in changes.items() if v is not None}
    for text in overrides:
        path, value = parse_override(text)
        key = ".".join(path)
        if not any(key == k or (k.endswith(".") and key.startswith(k)) for k in RESUMABLE_KEYS):
            raise GankitError(f"--set {key} cannot change when resuming (it would change what the run "
                              "trains); what can: optim.lr.GROUP, train.steps, train.device, "
                              "train.precision and the logging and evaluation settings")
        changed[key] = value
    if data_dir is not None:
        moved_data(run_dir, cfg, data_dir)
        changed["data.root"] = cfg.data.root
    if changed:  # validated like a new config, and on this machine, before anything is written
        cfg = config_from_dict(set_values(config_to_dict(cfg), changed))
        from gankit.recipes import recipe_class

        resolve_runtime(cfg, join_world(cfg), recipe_class(cfg.recipe).double_backward(cfg))
    if cfg.train.steps < done:
        raise GankitError(f"--steps {cfg.train.steps} is below the {done} steps {run_dir} has done")
    if data_dir is None and cfg.data.root and not Path(cfg.data.root).exists():
        raise GankitError(f"data.root {cfg.data.root} of {run_dir} does not exist; if the dataset "
                          f"moved, resume with --data-dir NEW_DIR (it is checked to be the same data)")
    if changed and join_world(cfg).is_main:
        from gankit.train.lock import RunLock

        RunLock(run_dir).acquire().release()  # a run another process trains is not rewritten
        write_config(run_dir, cfg, "resumed with " + ", ".join(f"{k} = {v}" for k, v in changed.items()))
        from gankit.io import append_line

        append_line(run_dir / "resumes.jsonl", json.dumps({
            "step": done, "time": time.strftime("%Y-%m-%d %H:%M:%S"), "changes": changed}, default=str))
    return cfg, run_dir


def moved_data(run_dir: Path, cfg: RunConfig, data_dir: str) -> RunConfig:
    """Point cfg's data at `data_dir` after checking it holds the run's data."""
    from gankit.data.fingerprint import check_same_data

    cfg.data.root = str(Path(data_dir).expanduser().resolve())
    check_same_data(run_dir, cfg.data, cfg.train.seed)
    return cfg


def describe_start(cfg: RunConfig, run_dir: Path, resume: bool = False) -> str:
    """What a training would start from: the run, its data (read and checked) and its config."""
    from gankit.config import to_toml
    from gankit.data import build_source
    from gankit.runs import completed_steps

    source = build_source(cfg.data, cfg.train.seed)
    shapes = ", ".join(f"{k} {'x'.join(map(str, v))}" if v else k for k, v in source.spec.shapes.items())
    where = (f"resume {run_dir} from step {completed_steps(run_dir)}" if resume
             else f"new run {run_dir}")
    head = (f"# {where}, {cfg.train.steps} steps; data: {source.name}, {len(source)} examples "
            f"({shapes})\n")
    return head + to_toml(cfg)
