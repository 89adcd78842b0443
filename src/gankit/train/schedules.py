"""Learning-rate schedules as functions of the step (no state to checkpoint)."""

from __future__ import annotations


def linear_decay(step: int, total: int, start_fraction: float) -> float:
    """LR factor: 1 until start_fraction x total steps, then linearly down to 0 at `total`
    (the last step taken, `total` - 1, runs at 1 / (total - start); none runs at 0)."""
    start = start_fraction * total
    if step < start:
        return 1.0
    return max(0.0, (total - step) / max(total - start, 1.0))
