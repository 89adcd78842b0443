"""The training loop, checkpoints, EMA and logging."""

from __future__ import annotations

from pathlib import Path

from gankit.config import RunConfig
from gankit.train.hooks import RunHooks
from gankit.train.trainer import Trainer, TrainResult

__all__ = ["RunHooks", "Trainer", "TrainResult", "train"]


def train(cfg: RunConfig, run_dir: str | Path, resume: bool = False, progress: bool | None = None,
          hooks: RunHooks | None = None) -> TrainResult:
    """Train `cfg` into `run_dir` (or continue it with `resume`), measuring what the run
    measures on its own (gankit.evaluate's training hooks) unless other `hooks` are given."""
    if hooks is None:
        from gankit.evaluate.hooks import TrainingEvaluation

        hooks = TrainingEvaluation()
    return Trainer(cfg, run_dir, resume, progress, hooks).run()
