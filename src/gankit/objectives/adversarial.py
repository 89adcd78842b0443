"""Adversarial losses as pure functions of discriminator logits (means over the batch)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F


def d_loss_minimax(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """D's loss of the 2014 GAN: -log D(x) - log(1 - D(G(z))) = softplus(-r) + softplus(f)."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def g_loss_minimax(fake_logits: torch.Tensor) -> torch.Tensor:
    """G minimises log(1 - D(G(z))) = -softplus(f): saturates when D rejects fakes."""
    return -F.softplus(fake_logits).mean()


def g_loss_nonsaturating(fake_logits: torch.Tensor) -> torch.Tensor:
    """G minimises -log D(G(z)) = softplus(-f): strong gradients early in training."""
    return F.softplus(-fake_logits).mean()


@dataclass(frozen=True)
class AdversarialLoss:
    """The pair of losses a recipe optimises."""

    discriminator: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    generator: Callable[[torch.Tensor], torch.Tensor]


ADVERSARIAL_LOSSES = {
    "minimax": AdversarialLoss(d_loss_minimax, g_loss_minimax),
    "nonsaturating": AdversarialLoss(d_loss_minimax, g_loss_nonsaturating),
}
