"""What every recipe provides to the Trainer: nets, optimizers and one training step."""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
from torch import nn

from gankit.config import ModelConfig, OptimConfig, RunConfig
from gankit.nets import build_generator


def make_optimizer(params, cfg: OptimConfig, lr: float) -> torch.optim.Optimizer:
    """Adam (betas from the config) or RMSProp, at learning rate `lr`."""
    if cfg.name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=cfg.rmsprop_alpha)
    return torch.optim.Adam(params, lr=lr, betas=(cfg.beta1, cfg.beta2))


class Recipe(ABC):
    """A GAN family: which nets, which objective, how their updates alternate.

    Subclasses fill `nets` (saved by name; "generator" is required) and `optimizers`, and
    implement `train_step`. A step consumes `batches_per_step` real batches and returns
    detached scalar tensors; the Trainer decides when to read them.
    """

    batches_per_step: int = 1
    needs_labels: bool = False  # batches are (images, labels) pairs instead of images

    def __init__(self, cfg: RunConfig, data_shape: tuple[int, ...]) -> None:
        self.cfg, self.data_shape = cfg, tuple(data_shape)
        self.nets: dict[str, nn.Module] = {}
        self.optimizers: dict[str, torch.optim.Optimizer] = {}

    @staticmethod
    def make_generator(model: ModelConfig, data_shape: tuple[int, ...]) -> nn.Module:
        """The generator alone, for sampling from a saved run."""
        return build_generator(model, data_shape)

    @property
    def generator(self) -> nn.Module:
        return self.nets["generator"]

    def to(self, device: torch.device) -> Recipe:
        for net in self.nets.values():
            net.to(device)
        return self

    def sample_latent(self, n: int, device: torch.device | str = "cpu",
                      generator: torch.Generator | None = None) -> torch.Tensor:
        """Latent codes z ~ N(0, I) for `n` samples."""
        z = torch.randn(n, self.cfg.model.latent_dim, generator=generator)
        return z.to(device)

    def attach_source(self, source, seed: int) -> None:  # noqa: B027 (optional hook)
        """Called once with the training data, for recipes that draw more from it."""

    def extra_state(self) -> dict:
        """Training state beyond nets and optimizers (saved in checkpoints)."""
        return {}

    def load_extra_state(self, state: dict) -> None:  # noqa: B027 (optional hook)
        """Restore what `extra_state` returned."""

    @abstractmethod
    def train_step(self, batches: list) -> dict[str, torch.Tensor]:
        """One update of every net from `batches_per_step` real batches."""
