"""Losses and penalties as pure functions."""

from gankit.objectives.adversarial import (
    ADVERSARIAL_LOSSES,
    AdversarialLoss,
    adversarial_loss,
    d_loss_hinge,
    d_loss_least_squares,
    d_loss_minimax,
    d_loss_wasserstein,
    g_loss_hinge,
    g_loss_least_squares,
    g_loss_minimax,
    g_loss_nonsaturating,
    g_loss_wasserstein,
)
from gankit.objectives.penalties import (
    HistoricalAverage,
    clip_weights,
    feature_matching_loss,
    gradient_penalty,
    r1_penalty,
)
from gankit.objectives.top_k import keep_top_k, top_k_fraction

__all__ = [
    "ADVERSARIAL_LOSSES", "AdversarialLoss", "adversarial_loss", "d_loss_hinge",
    "d_loss_least_squares", "d_loss_minimax", "d_loss_wasserstein", "g_loss_hinge",
    "g_loss_least_squares", "g_loss_minimax", "g_loss_nonsaturating", "g_loss_wasserstein",
    "HistoricalAverage", "clip_weights", "feature_matching_loss", "gradient_penalty", "r1_penalty",
    "keep_top_k", "top_k_fraction",
]
