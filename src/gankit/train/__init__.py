"""The training loop, checkpoints, EMA and logging."""

from gankit.train.trainer import Trainer, TrainResult, train

__all__ = ["Trainer", "TrainResult", "train"]
