"""What a recipe declares to the Trainer, and the helpers every recipe shares.

A recipe declares its nets by role (`roles`, built from `[nets.<role>]`), its optimizer
groups (`groups`: a group may hold several nets, stepped from one backward), which nets
keep an EMA (`ema`), the batch fields it reads (`batch_fields`), its typed options
(`Options`, the `[<name>]` section), what it exports (`models`) and what its progress
pictures show (`visuals`). The Trainer reads these instead of knowing any recipe by name.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar

import torch
from torch import nn

from gankit.config import RunConfig
from gankit.data.batch import Batch, DataSpec
from gankit.data.source import Source
from gankit.errors import GankitError
from gankit.recipes.parts import NoOptions, Role, StepContext, Visuals, make_optimizer
from gankit.runtime.distributed import unwrap

__all__ = ["NoOptions", "Recipe", "Role", "StepContext", "Visuals", "make_optimizer"]


class Recipe(ABC):
    """A model family: its nets, its objective, how their updates alternate.

    Subclasses set the declarations below, build their nets in `build_nets` and implement
    `train_step`, which consumes `batches_per_step` batches and returns detached scalar
    tensors (the Trainer decides when to read them). Updates go through `update` (mixed
    precision, several groups from one backward) and `frozen` (nets that need no weight
    gradients); the Trainer may replace `nets` entries by compiled or DDP views.
    """

    name: ClassVar[str]
    Options: ClassVar[type] = NoOptions
    roles: ClassVar[dict[str, Role]] = {}
    groups: ClassVar[dict[str, tuple[str, ...]]] = {}
    ema: ClassVar[tuple[str, ...]] = ()
    batch_fields: ClassVar[tuple[str, ...]] = ("image",)
    data_kinds: ClassVar[tuple[str, ...]] = ("images",)
    default_lr: ClassVar[float] = 2e-4

    batches_per_step: int = 1

    def __init__(self, cfg: RunConfig, spec: DataSpec, ctx: StepContext | None = None) -> None:
        self.cfg, self.opts, self.spec = cfg, cfg.options, spec
        self.ctx = ctx or StepContext(seed=cfg.train.seed)
        self.step = 0  # training steps finished before the current one (kept by the Trainer)
        self.nets: dict[str, nn.Module] = self.build_nets()
        self.optimizers = {group: make_optimizer([p for n in names for p in self.nets[n].parameters()],
                                                 cfg.optim, cfg.optim.lr[group])
                           for group, names in self.groups.items()}

    # -- declarations checked before anything is built ---------------------------------------
    @classmethod
    def check(cls, cfg: RunConfig, spec: DataSpec) -> None:
        """Refuse data or options this recipe cannot train on, one line each (extend with
        super().check(cfg, spec))."""
        if spec.kind not in cls.data_kinds:
            raise GankitError(f"recipe {cls.name} trains on {' or '.join(cls.data_kinds)} data, "
                              f"but {cfg.data.dataset} gives {spec.kind}")
        needs_labels = any(f in ("label", "labelled_label") for f in cls.batch_fields)
        if needs_labels and spec.num_classes is None:
            raise GankitError(f"recipe {cls.name} needs class labels, which {cfg.data.dataset} data "
                              "does not have (use fashion-mnist, mnist or cifar10)")

    @classmethod
    def double_backward(cls, cfg: RunConfig) -> bool:
        """Whether training takes gradients of gradients (which torch.compile cannot)."""
        return False

    # -- what subclasses provide ---------------------------------------------------------------
    @abstractmethod
    def build_nets(self) -> dict[str, nn.Module]:
        """Every net of the recipe, by name (the roles, and any extra ones)."""

    @abstractmethod
    def train_step(self, batches: Sequence[Batch]) -> dict[str, torch.Tensor]:
        """One update of every net from `batches_per_step` batches."""

    def fixed_inputs(self, n: int, seed: int, data: Source) -> Batch:
        """The fixed inputs of the progress pictures: from `seed`, or from `data` (the
        held-out examples, or the training ones when there is no held-out split)."""
        return {}

    def visuals(self, fixed: Batch, nets: dict[str, nn.Module]) -> Visuals | None:
        """The progress picture of `fixed` made with `nets` (EMA copies where kept)."""
        return None

    def models(self) -> dict[str, dict[str, Any]]:
        """What an export of this run holds: model name -> {"kind": sampler | translator |
        classifier | critic, "net": the net's name, and what loading it needs}."""
        return {}

    def refresh_ema(self, name: str, net: nn.Module) -> None:  # noqa: B027 (optional hook)
        """Make an EMA copy ready to use (e.g. recompute its batch-norm statistics)."""

    def state_dict(self) -> dict[str, Any]:
        """Training state beyond nets and optimizers (saved in checkpoints)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:  # noqa: B027 (optional hook)
        """Restore what `state_dict` returned."""

    # -- helpers -------------------------------------------------------------------------------
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

    def update(self, groups: str | Sequence[str], loss: torch.Tensor) -> None:
        """Backward `loss` once and step the optimizer of each group in `groups`."""
        names = (groups,) if isinstance(groups, str) else tuple(groups)
        self.ctx.precision.step(loss, [self.optimizers[g] for g in names])

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
