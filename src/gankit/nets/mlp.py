"""Fully connected generator and discriminator (Goodfellow et al. 2014), for images or points."""

from __future__ import annotations

import math

import torch
from torch import nn


class MLPGenerator(nn.Module):
    """z -> Linear/ReLU layers -> output of `output_shape` (tanh for images, linear for points)."""

    def __init__(self, latent_dim: int, output_shape: tuple[int, ...], hidden: list[int],
                 norm: str = "none", tanh: bool = True) -> None:
        super().__init__()
        self.latent_dim, self.output_shape = latent_dim, tuple(output_shape)
        layers: list[nn.Module] = []
        width = latent_dim
        for h in hidden:
            layers += [nn.Linear(width, h), nn.BatchNorm1d(h) if norm == "batch" else nn.Identity(),
                       nn.ReLU(True)]
            width = h
        layers.append(nn.Linear(width, math.prod(output_shape)))
        if tanh:
            layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(z.shape[0], *self.output_shape)


class MLPDiscriminator(nn.Module):
    """Flattened input -> Linear/LeakyReLU(0.2) layers (optional dropout) -> one logit."""

    def __init__(self, input_shape: tuple[int, ...], hidden: list[int], dropout: float = 0.0) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = math.prod(input_shape)
        for h in hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2, True)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = h
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(width, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)).view(-1)
