"""The GAN family's regularisers as named terms that a recipe composes.

A term may add to D's loss (`d_loss`) and to G's (`g_loss`), perturb every input D sees
(`perturb`), act after an optimizer group's update (`after_update`) and keep state across
checkpoints. What it returns is already weighted; `logged` holds its unweighted values
under its own names. The recipe runs all terms in order, so adding a regulariser is a new
term, not a new branch in the training step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from gankit.objectives.penalties import HistoricalAverage, clip_weights, gradient_penalty, r1_penalty


@dataclass
class TermContext:
    """What a term may look at during one D update or one G update."""

    real: torch.Tensor  # real examples (before any perturbation)
    fake: torch.Tensor  # G's examples of this update
    critic: Callable[[torch.Tensor], torch.Tensor]  # D's logits of an input (perturbed, labelled)
    grad_scale: torch.Tensor | float = 1.0  # fp16 loss scale for inner gradients
    step: int = 0  # training steps finished before this one
    d_update: int = 0  # index of this D update over the run
    latent: torch.Tensor | None = None  # the z that made `fake`
    fake_aux: torch.Tensor | None = None  # D's extra outputs on `fake` (e.g. code logits)
    real_logits: torch.Tensor | None = None  # D's logits on `real` in a D update (ADA's heuristic)


class Term:
    """A named regulariser; every hook is optional."""

    name = "term"

    def __init__(self) -> None:
        self.logged: dict[str, torch.Tensor] = {}

    def d_loss(self, ctx: TermContext) -> torch.Tensor | None:
        return None

    def g_loss(self, ctx: TermContext) -> torch.Tensor | None:
        return None

    def perturb(self, x: torch.Tensor, step: int) -> torch.Tensor:
        return x

    def after_update(self, group: str) -> None:  # noqa: B027 (optional hook)
        """Called after the optimizer group `group` stepped."""

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:  # noqa: B027 (optional hook)
        """Restore what `state_dict` returned."""


class GradientPenalty(Term):
    """WGAN-GP (Gulrajani et al. 2017): λ E[(‖∇D(x̂)‖ - 1)²] on random interpolates."""

    name = "gp"

    def __init__(self, weight: float) -> None:
        super().__init__()
        self.weight = weight

    def d_loss(self, ctx: TermContext) -> torch.Tensor:
        value = gradient_penalty(ctx.critic, ctx.real, ctx.fake, grad_scale=ctx.grad_scale)
        self.logged = {"gp": value}
        return self.weight * value


class R1(Term):
    """R1 (Mescheder et al. 2018): γ/2 E‖∇D(x)‖² on real data; lazily, on every `every`-th D
    update with weight `every` × γ (StyleGAN2). Its latest value is logged every step."""

    name = "r1"

    def __init__(self, weight: float, every: int = 1) -> None:
        super().__init__()
        self.weight, self.every = weight, every
        self.last: torch.Tensor | None = None

    def d_loss(self, ctx: TermContext) -> torch.Tensor | None:
        due = ctx.d_update % self.every == 0
        if due:
            self.last = r1_penalty(ctx.critic, ctx.real, grad_scale=ctx.grad_scale)
        self.logged = {"r1": self.last if self.last is not None else ctx.real.new_zeros(())}
        return self.weight * self.every * self.last if due else None


class WeightClip(Term):
    """WGAN (Arjovsky et al. 2017): every critic weight into [-c, c] after each D update."""

    name = "weight_clip"

    def __init__(self, limit: float, net: Callable[[], nn.Module], group: str = "D") -> None:
        super().__init__()
        self.limit, self.net, self.group = limit, net, group

    def after_update(self, group: str) -> None:
        if group == self.group:
            clip_weights(self.net(), self.limit)


class InstanceNoise(Term):
    """Sønderby et al. 2017: every D input plus N(0, s²), s falling linearly from `std` to 0
    at step `until` (the noise follows the step, so resume needs no state)."""

    name = "instance_noise"

    def __init__(self, std: float, until: float) -> None:
        super().__init__()
        self.std, self.until = std, until

    def std_at(self, step: int) -> float:
        return self.std * max(0.0, 1.0 - step / self.until)

    def perturb(self, x: torch.Tensor, step: int) -> torch.Tensor:
        std = self.std_at(step)
        return x + std * torch.randn_like(x) if std > 0 else x


class HistoricalAveraging(Term):
    """Salimans et al. 2016: w ‖θ - mean of past θ‖² on each group's loss (last, after every
    other term), the mean updated after each of its updates."""

    name = "historical_averaging"

    def __init__(self, weight: float, nets: dict[str, nn.Module]) -> None:
        super().__init__()
        self.weight = weight
        self.history = {group: HistoricalAverage(net.parameters()) for group, net in nets.items()}

    def d_loss(self, ctx: TermContext) -> torch.Tensor:
        return self.weight * self.history["D"].penalty()

    def g_loss(self, ctx: TermContext) -> torch.Tensor:
        return self.weight * self.history["G"].penalty()

    def after_update(self, group: str) -> None:
        if group in self.history:
            self.history[group].update()

    def state_dict(self) -> dict[str, Any]:
        return {group: h.state_dict() for group, h in self.history.items()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for group, h in self.history.items():
            h.load_state_dict(state[group])


class CodeLoss(Term):
    """InfoGAN (Chen et al. 2016): λ · cross-entropy of D's code head on G's categorical code,
    added to D's and G's losses; logs Q's cross-entropy and accuracy on G's last batch."""

    name = "code"

    def __init__(self, weight: float, codes: Callable[[torch.Tensor], torch.Tensor]) -> None:
        super().__init__()
        self.weight, self.codes = weight, codes

    def _loss(self, ctx: TermContext) -> torch.Tensor:
        codes = self.codes(ctx.latent)
        cross_entropy = F.cross_entropy(ctx.fake_aux, codes)
        self.logged = {"loss_code": cross_entropy.detach(),
                       "code_acc": (ctx.fake_aux.argmax(1) == codes).float().mean().detach()}
        return self.weight * cross_entropy

    d_loss = _loss
    g_loss = _loss


@dataclass
class Terms:
    """An ordered set of terms, run as one."""

    items: list[Term] = field(default_factory=list)

    def add_to(self, loss: torch.Tensor, hook: str, ctx: TermContext) -> torch.Tensor:
        for term in self.items:
            extra = getattr(term, hook)(ctx)
            if extra is not None:
                loss = loss + extra
        return loss

    def perturb(self, x: torch.Tensor, step: int) -> torch.Tensor:
        for term in self.items:
            x = term.perturb(x, step)
        return x

    def after_update(self, group: str) -> None:
        for term in self.items:
            term.after_update(group)

    def of_type(self, cls: type) -> Term | None:
        return next((t for t in self.items if isinstance(t, cls)), None)

    def logged(self) -> dict[str, torch.Tensor]:
        return {k: v for term in self.items for k, v in term.logged.items()}

    def state_dict(self) -> dict[str, Any]:
        return {t.name: t.state_dict() for t in self.items if t.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for term in self.items:
            if term.name in state:
                term.load_state_dict(state[term.name])
