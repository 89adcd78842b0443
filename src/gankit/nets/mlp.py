"""Fully connected generator and discriminator (Goodfellow et al. 2014), for images or points."""

from __future__ import annotations

import math

import torch
from torch import nn

from gankit.nets.layers import (
    NORMAL_PRIOR,
    LatentPrior,
    Maxout,
    MinibatchDiscrimination,
    ReferenceBatch,
    latent_layers,
    norm_layer,
)
from gankit.nets.registry import exportable


@exportable
class MLPGenerator(nn.Module):
    """z -> Linear/ReLU layers -> output of `output_shape` (tanh for images, linear for points)."""

    def __init__(self, latent_dim: int, output_shape: tuple[int, ...], hidden: list[int],
                 norm: str = "none", tanh: bool = True, reference_size: int = 64,
                 prior: LatentPrior = NORMAL_PRIOR) -> None:
        super().__init__()
        self.latent_dim, self.output_shape = latent_dim, tuple(output_shape)
        layers, width = latent_layers(prior, latent_dim)
        for h in hidden:
            layers += [nn.Linear(width, h), norm_layer(norm, h, dims=1), nn.ReLU(True)]
            width = h
        layers.append(nn.Linear(width, math.prod(output_shape)))
        if tanh:
            layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)
        self.reference = (ReferenceBatch(self.net, latent_dim, reference_size)
                          if norm == "virtual_batch" else None)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        out = self.reference.run(self.net, z) if self.reference is not None else self.net(z)
        return out.view(z.shape[0], *self.output_shape)


@exportable
class MLPDiscriminator(nn.Module):
    """Flattened input -> Linear/LeakyReLU(0.2) layers, or maxout layers of `maxout_pieces`
    (optional dropout) -> one logit, through minibatch discrimination first when
    `minibatch_kernels` > 0."""

    def __init__(self, input_shape: tuple[int, ...], hidden: list[int], dropout: float = 0.0,
                 minibatch_kernels: int = 0, kernel_dim: int = 5, maxout_pieces: int = 0) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = math.prod(input_shape)
        for h in hidden:
            if maxout_pieces:
                layers.append(Maxout(width, h, maxout_pieces))
            else:
                layers += [nn.Linear(width, h), nn.LeakyReLU(0.2, True)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = h
        self.features = nn.Sequential(*layers)
        if minibatch_kernels:
            mbd = MinibatchDiscrimination(width, minibatch_kernels, kernel_dim)
            self.head = nn.Sequential(mbd, nn.Linear(mbd.out_features, 1))
        else:
            self.head = nn.Linear(width, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)).view(-1)
