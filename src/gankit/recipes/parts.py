"""The small pieces a recipe declares itself with: net roles, its run context, the pictures
it shows, and the optimizer every group gets."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from gankit.config import OptimConfig
from gankit.runtime.distributed import World
from gankit.runtime.precision import Precision


@dataclass(frozen=True)
class Role:
    """A net the config builds: its kind (generator, discriminator, translator, ...), the
    architecture used when `[nets.<role>]` names none, and the data field whose shape it
    generates or judges (what the architecture's shape checks see)."""

    kind: str
    default_arch: str
    field: str = "image"


@dataclass
class NoOptions:
    """The options of a recipe that has none."""


@dataclass
class StepContext:
    """Where a recipe runs: the process world, precision, device and run seed."""

    world: World = field(default_factory=World)
    precision: Precision = field(default_factory=Precision)
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    seed: int = 0


@dataclass
class Visuals:
    """A progress picture: named sets of images (N, C, H, W in [-1, 1]) stacked set under set,
    `nrow` per row (None: square); or sets of 2-D points drawn as a scatter plot, a set named
    "data" in grey beneath the others."""

    sets: dict[str, torch.Tensor]
    nrow: int | None = None


def make_optimizer(params, cfg: OptimConfig, lr: float) -> torch.optim.Optimizer:
    """Adam (betas from the config) in PyTorch's fused kernel, on CPU and CUDA alike (the
    update rule of the default implementation, 7x faster per step on CPU for DCGAN's G),
    or RMSProp, at learning rate `lr`."""
    if cfg.name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=cfg.rmsprop_alpha)
    return torch.optim.Adam(params, lr=lr, betas=(cfg.beta1, cfg.beta2), fused=True)
