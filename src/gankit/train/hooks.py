"""What the Trainer calls around training, for work that is not its own (evaluation)."""

from __future__ import annotations

from typing import Any


class RunHooks:
    """Callbacks of a training run; `trainer` is the Trainer, `logger` its MetricsLogger
    (None on ranks other than 0). Every method is optional."""

    def on_eval(self, trainer: Any, logger: Any) -> None:  # noqa: B027 (optional hook)
        """At every `train.eval_every` steps (on every rank: evaluation may be shared)."""

    def on_step(self, trainer: Any) -> None:  # noqa: B027 (optional hook)
        """After every training step (every rank), before logging and checkpoints."""

    def on_end(self, trainer: Any) -> None:  # noqa: B027 (optional hook)
        """After the last step (rank 0 only)."""
