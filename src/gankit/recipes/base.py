"""What every recipe provides to the Trainer: nets, optimizers and one training step."""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator

import torch
from torch import nn

from gankit.config import ModelConfig, OptimConfig, RunConfig
from gankit.nets import build_generator
from gankit.runtime.distributed import World, unwrap
from gankit.runtime.noise import LatentStream
from gankit.runtime.precision import Precision


def make_optimizer(params, cfg: OptimConfig, lr: float) -> torch.optim.Optimizer:
    """Adam (betas from the config) in PyTorch's fused kernel, on CPU and CUDA alike (the
    update rule of the default implementation, 7x faster per step on CPU for DCGAN's G),
    or RMSProp, at learning rate `lr`."""
    if cfg.name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=cfg.rmsprop_alpha)
    return torch.optim.Adam(params, lr=lr, betas=(cfg.beta1, cfg.beta2), fused=True)


class Recipe(ABC):
    """A GAN family: which nets, which objective, how their updates alternate.

    Subclasses fill `nets` (saved by name; "generator" is required) and `optimizers`, and
    implement `train_step`. A step consumes `batches_per_step` real batches and returns
    detached scalar tensors; the Trainer decides when to read them. Updates go through
    `update` (mixed precision) and `frozen` (the other net's weights need no gradient);
    the Trainer may replace `nets` entries by compiled or DDP-wrapped views (`wrap_nets`).
    """

    batches_per_step: int = 1
    batch_fields: tuple[str, ...] = ("image",)  # the fields of the batches train_step reads

    def __init__(self, cfg: RunConfig, data_shape: tuple[int, ...]) -> None:
        self.cfg, self.data_shape = cfg, tuple(data_shape)
        self.nets: dict[str, nn.Module] = {}
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.precision = Precision()
        self.world = World()
        self.noise: LatentStream | None = None  # set by the Trainer; else torch's global RNG
        self.step = 0  # training steps finished before the current one (kept by the Trainer)

    @staticmethod
    def make_generator(model: ModelConfig, data_shape: tuple[int, ...]) -> nn.Module:
        """The generator alone, for sampling from a saved run."""
        return build_generator(model, data_shape)

    @property
    def generator(self) -> nn.Module:
        return self.nets["generator"]

    def modules(self) -> dict[str, nn.Module]:
        """The plain nets (what checkpoints hold), whatever wraps them for training."""
        return {name: unwrap(net) for name, net in self.nets.items()}

    def to(self, device: torch.device, memory_format: torch.memory_format | None = None) -> Recipe:
        for net in self.nets.values():
            net.to(device)
            if memory_format is not None:
                net.to(memory_format=memory_format)
        return self

    def wrap_nets(self, wrap: Callable[[str, nn.Module], nn.Module]) -> None:
        """Replace each net by a view that trains it (torch.compile, DDP); the optimizers
        keep their parameters, which the views share."""
        self.nets = {name: wrap(name, net) for name, net in self.nets.items()}

    def sample_latent(self, n: int, device: torch.device | str = "cpu",
                      generator: torch.Generator | None = None) -> torch.Tensor:
        """Latent codes z ~ N(0, I) for `n` samples (of this rank, under torchrun)."""
        if generator is None and self.noise is not None:
            return self.noise.draw(n)
        z = torch.randn(n, self.cfg.model.latent_dim, generator=generator)
        return z.to(device)

    def update(self, name: str, loss: torch.Tensor) -> None:
        """Backward `loss` and step the optimizer of net `name`."""
        self.precision.step(loss, self.optimizers[name])

    @contextlib.contextmanager
    def frozen(self, *names: str) -> Iterator[None]:
        """Nets `names` compute no weight gradients inside (their inputs still get them):
        G's step needs none for D, and under DDP D then has no gradients to average."""
        params = [p for name in names for p in unwrap(self.nets[name]).parameters()
                  if p.requires_grad]
        for p in params:
            p.requires_grad_(False)
        try:
            yield
        finally:
            for p in params:
                p.requires_grad_(True)

    def attach_source(self, source) -> None:  # noqa: B027 (optional hook)
        """Called once with the training data source (e.g. to read its length)."""

    def extra_state(self) -> dict:
        """Training state beyond nets and optimizers (saved in checkpoints)."""
        return {}

    def load_extra_state(self, state: dict) -> None:  # noqa: B027 (optional hook)
        """Restore what `extra_state` returned."""

    @abstractmethod
    def train_step(self, batches: list) -> dict[str, torch.Tensor]:
        """One update of every net from `batches_per_step` real batches."""
