"""What a training starts from: a preset plus changes for a new run, or a run directory plus
the few settings that may change when it is resumed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gankit.config import RunConfig
from gankit.errors import GankitError

RESUME_SETTINGS = ("steps", "device", "precision", "compile")  # what --resume may change


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
    return load_preset(preset, overrides, values), run_dir


def resumed_run(run: str | Path, **changes) -> tuple[RunConfig, Path]:
    """The config of run `run` with the resume settings in `changes` (None: unchanged),
    written back into the run (rank 0) when any changed."""
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
    if changed and join_world(cfg).is_main:
        write_config(run_dir, cfg, "resumed with new " + ", ".join(changed))
    return cfg, run_dir
