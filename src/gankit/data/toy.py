"""2-D Gaussian mixtures of the PacGAN protocol: a ring of 8 and a grid of 25."""

from __future__ import annotations

import math

import torch

TOY_MIXTURES = ("ring8", "grid25")


def mixture_modes(name: str) -> tuple[torch.Tensor, float]:
    """Mode centres (M, 2) and the per-mode standard deviation."""
    if name == "ring8":
        angles = torch.arange(8, dtype=torch.float64) * (2 * math.pi / 8)
        return torch.stack([angles.cos(), angles.sin()], dim=1).float(), 0.01
    if name == "grid25":
        axis = torch.tensor([-4.0, -2.0, 0.0, 2.0, 4.0])
        grid = torch.cartesian_prod(axis, axis)
        return grid, 0.05
    raise ValueError(f"unknown toy mixture {name}")


def sample_mixture(name: str, n: int, seed: int) -> torch.Tensor:
    """`n` points from a uniform mixture of the modes, reproducible from `seed`."""
    modes, std = mixture_modes(name)
    gen = torch.Generator().manual_seed(seed)
    which = torch.randint(len(modes), (n,), generator=gen)
    return modes[which] + std * torch.randn(n, 2, generator=gen)
