"""Regularisers and auxiliary losses: pure functions of nets, tensors or parameters."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import nn

# Σ D(x) hands each sample's output the whole inner scale as its gradient, so the scale
# itself must fit in fp16 (max 65,504, below GradScaler's starting 2^16) with room to grow
# through the layers: the inner backward uses at most this scale.
INNER_SCALE_CAP = 2.0**10


def input_gradient(critic: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
                   grad_scale: torch.Tensor | float = 1.0) -> torch.Tensor:
    """∇ₓ Σ D(x) in float32, kept in the graph (create_graph) so a penalty on it trains D,
    taken outside autocast. Under fp16 the output is scaled by `grad_scale` (at most
    INNER_SCALE_CAP) before the inner backward, so small gradients do not underflow, and
    the result divided by it again."""
    if isinstance(grad_scale, torch.Tensor):
        grad_scale = grad_scale.clamp(max=INNER_SCALE_CAP)  # on the device: no host sync
    else:
        grad_scale = min(grad_scale, INNER_SCALE_CAP)
    out = critic(x).float().sum()
    with torch.autocast(x.device.type, enabled=False):  # backward passes run outside autocast
        (grad,) = torch.autograd.grad(out * grad_scale, x, create_graph=True)
        return grad.float() / grad_scale


def gradient_penalty(critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor,
                     fake: torch.Tensor, target: float = 1.0,
                     grad_scale: torch.Tensor | float = 1.0) -> torch.Tensor:
    """WGAN-GP (Gulrajani et al. 2017): E[(‖∇D(x̂)‖₂ - 1)²] at x̂ = εx + (1-ε)G(z), ε ~ U[0,1]
    per sample. Built with create_graph so the penalty trains D (double backward)."""
    eps = torch.rand(real.shape[0], *([1] * (real.ndim - 1)), device=real.device, dtype=real.dtype)
    mixed = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    grad = input_gradient(critic, mixed, grad_scale)
    return ((grad.flatten(1).norm(2, dim=1) - target) ** 2).mean()


def r1_penalty(critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor,
               grad_scale: torch.Tensor | float = 1.0) -> torch.Tensor:
    """R1 (Mescheder et al. 2018): ½E[‖∇D(x)‖²] on real data (multiply by γ)."""
    real = real.detach().requires_grad_(True)
    grad = input_gradient(critic, real, grad_scale)
    return 0.5 * grad.flatten(1).pow(2).sum(1).mean()


@torch.no_grad()
def clip_weights(net: nn.Module, limit: float) -> None:
    """WGAN weight clipping: every parameter of the critic into [-limit, limit]."""
    for p in net.parameters():
        p.clamp_(-limit, limit)


def feature_matching_loss(real_features: torch.Tensor, fake_features: torch.Tensor) -> torch.Tensor:
    """Salimans et al. 2016: ‖E f(x) - E f(G(z))‖² over an intermediate D layer f. Real
    features are treated as constants, so only G receives gradients."""
    diff = real_features.detach().flatten(1).mean(0) - fake_features.flatten(1).mean(0)
    return diff.pow(2).sum()


class HistoricalAverage:
    """Salimans et al. 2016: penalty ‖θ - (1/t) Σᵢ θᵢ‖², the running mean of past values."""

    def __init__(self, params: Iterable[nn.Parameter]) -> None:
        self.params = list(params)
        self.mean = [p.detach().clone() for p in self.params]
        self.count = 1

    def penalty(self) -> torch.Tensor:
        return sum(((p - m) ** 2).sum() for p, m in zip(self.params, self.mean, strict=True))

    @torch.no_grad()
    def update(self) -> None:
        self.count += 1
        for p, m in zip(self.params, self.mean, strict=True):
            m.add_((p.detach() - m) / self.count)

    def state_dict(self) -> dict:
        return {"mean": self.mean, "count": self.count}

    def load_state_dict(self, state: dict) -> None:
        for m, saved in zip(self.mean, state["mean"], strict=True):
            m.copy_(saved)
        self.count = int(state["count"])
