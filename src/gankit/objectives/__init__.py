"""Losses and penalties as pure functions."""

from gankit.objectives.adversarial import (
    ADVERSARIAL_LOSSES,
    AdversarialLoss,
    d_loss_minimax,
    g_loss_minimax,
    g_loss_nonsaturating,
)

__all__ = ["ADVERSARIAL_LOSSES", "AdversarialLoss", "d_loss_minimax", "g_loss_minimax",
           "g_loss_nonsaturating"]
