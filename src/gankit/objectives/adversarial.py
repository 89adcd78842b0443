"""Adversarial losses as pure functions of discriminator logits (means over the batch)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import torch
import torch.nn.functional as F

from gankit.errors import GankitError


def d_loss_minimax(real_logits: torch.Tensor, fake_logits: torch.Tensor,
                   real_target: float = 1.0) -> torch.Tensor:
    """D's loss of the 2014 GAN: BCE(real, target) + BCE(fake, 0); with target 1 this is
    -log D(x) - log(1 - D(G(z))). `real_target` < 1 is one-sided label smoothing."""
    real = F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_target))
    return real + F.softplus(fake_logits).mean()


def g_loss_minimax(fake_logits: torch.Tensor) -> torch.Tensor:
    """G minimises log(1 - D(G(z))) = -softplus(f): saturates when D rejects fakes."""
    return -F.softplus(fake_logits).mean()


def g_loss_nonsaturating(fake_logits: torch.Tensor) -> torch.Tensor:
    """G minimises -log D(G(z)) = softplus(-f): strong gradients early in training."""
    return F.softplus(-fake_logits).mean()


def d_loss_wasserstein(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """The critic maximises E[f(x)] - E[f(G(z))] (Arjovsky et al. 2017)."""
    return fake_logits.mean() - real_logits.mean()


def g_loss_wasserstein(fake_logits: torch.Tensor) -> torch.Tensor:
    return -fake_logits.mean()


def d_loss_least_squares(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """LSGAN (Mao et al. 2017), targets b = 1 and a = 0: ½E[(D(x)-1)²] + ½E[D(G(z))²]."""
    return 0.5 * ((real_logits - 1) ** 2).mean() + 0.5 * (fake_logits**2).mean()


def g_loss_least_squares(fake_logits: torch.Tensor) -> torch.Tensor:
    """LSGAN with c = 1: ½E[(D(G(z))-1)²]."""
    return 0.5 * ((fake_logits - 1) ** 2).mean()


def d_loss_hinge(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Hinge loss (Lim & Ye 2017; Miyato et al. 2018): E[relu(1-D(x))] + E[relu(1+D(G(z)))]."""
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def g_loss_hinge(fake_logits: torch.Tensor) -> torch.Tensor:
    return -fake_logits.mean()


@dataclass(frozen=True)
class AdversarialLoss:
    """The pair of losses a recipe optimises."""

    discriminator: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    generator: Callable[[torch.Tensor], torch.Tensor]


ADVERSARIAL_LOSSES = {
    "minimax": AdversarialLoss(d_loss_minimax, g_loss_minimax),
    "nonsaturating": AdversarialLoss(d_loss_minimax, g_loss_nonsaturating),
    "wasserstein": AdversarialLoss(d_loss_wasserstein, g_loss_wasserstein),
    "least_squares": AdversarialLoss(d_loss_least_squares, g_loss_least_squares),
    "hinge": AdversarialLoss(d_loss_hinge, g_loss_hinge),
}
CROSS_ENTROPY_LOSSES = ("minimax", "nonsaturating")


def _float32(loss: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    """`loss` of float32 logits, whatever precision the nets ran in (bf16/fp16 autocast)."""
    def wrapped(*logits: torch.Tensor) -> torch.Tensor:
        return loss(*(t.float() for t in logits))
    return wrapped


def adversarial_loss(name: str, real_target: float = 1.0) -> AdversarialLoss:
    """The named loss pair, computed in float32; `real_target` < 1 (one-sided label
    smoothing) needs a BCE loss."""
    if name not in ADVERSARIAL_LOSSES:
        raise GankitError(f"unknown loss '{name}'; choose from {', '.join(ADVERSARIAL_LOSSES)}")
    loss = ADVERSARIAL_LOSSES[name]
    if real_target != 1.0:
        if name not in CROSS_ENTROPY_LOSSES:
            raise GankitError(f"objective.label_smoothing applies to minimax/nonsaturating, not {name}")
        loss = AdversarialLoss(partial(d_loss_minimax, real_target=real_target), loss.generator)
    return AdversarialLoss(_float32(loss.discriminator), _float32(loss.generator))
