"""Top-k generator updates (Sinha et al. 2020): G learns only from the fakes D scores as most
realistic; the kept fraction starts at the whole batch and shrinks by `gamma` per epoch down
to `floor`."""

from __future__ import annotations

import math

import torch


def top_k_fraction(epochs: float, gamma: float, floor: float) -> float:
    """max(floor, gamma ** epochs): the fraction of each fake batch G learns from."""
    return max(floor, gamma**epochs)


def keep_top_k(fake_logits: torch.Tensor, fraction: float) -> torch.Tensor:
    """The ceil(fraction * n) highest of n logits (the fakes D finds most realistic)."""
    if fraction >= 1:
        return fake_logits
    k = max(1, math.ceil(fraction * fake_logits.shape[0]))
    return fake_logits.topk(k, sorted=False).values
