"""DCGAN generator and discriminator (Radford et al. 2016) for 28, 32 or 64 pixel images."""

from __future__ import annotations

import math

import torch
from torch import nn

from gankit.nets.layers import (
    NORMAL_PRIOR,
    LatentPrior,
    MinibatchDiscrimination,
    ReferenceBatch,
    latent_layers,
    norm_layer,
)
from gankit.nets.registry import exportable


def _plan(image_size: int) -> tuple[int, int]:
    """(start resolution, number of 2x up/down-sampling layers) for an image size."""
    start = 7 if image_size == 28 else 4
    layers = int(round(math.log2(image_size / start)))
    if start * 2**layers != image_size:
        raise ValueError(f"DCGAN nets support 28, 32 or 64 pixels, not {image_size}")
    return start, layers


def dcgan_init(module: nn.Module) -> None:
    """The DCGAN paper's init: conv weights N(0, 0.02); BatchNorm scale N(1, 0.02), bias 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d) and module.affine:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


@exportable
class DCGANGenerator(nn.Module):
    """z -> transposed convs (BN, ReLU) -> tanh image; widths halve towards the output.
    `norm` = "virtual_batch" normalises with a fixed reference batch (Salimans et al.)."""

    def __init__(self, latent_dim: int, image_shape: tuple[int, int, int], width: int = 64,
                 norm: str = "batch", reference_size: int = 64, prior: LatentPrior = NORMAL_PRIOR) -> None:
        super().__init__()
        channels, size, _ = image_shape
        start, layers = _plan(size)
        self.latent_dim, self.output_shape = latent_dim, tuple(image_shape)
        c = width * 2 ** (layers - 1)
        blocks, width_in = latent_layers(prior, latent_dim)
        blocks += [nn.ConvTranspose2d(width_in, c, start, 1, 0, bias=False), norm_layer(norm, c),
                   nn.ReLU(True)]
        for _ in range(layers - 1):
            blocks += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False), norm_layer(norm, c // 2),
                       nn.ReLU(True)]
            c //= 2
        blocks += [nn.ConvTranspose2d(c, channels, 4, 2, 1), nn.Tanh()]
        self.net = nn.Sequential(*blocks)
        self.apply(dcgan_init)
        self.reference = (ReferenceBatch(self.net, latent_dim, reference_size)
                          if norm == "virtual_batch" else None)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if self.reference is not None:
            return self.reference.run(self._decode, z)
        return self._decode(z)

    def _decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.view(z.shape[0], -1, 1, 1))


@exportable
class DCGANDiscriminator(nn.Module):
    """Image -> strided convs (LeakyReLU 0.2, BN after the first) -> one logit per image.
    With `minibatch_kernels` > 0 the head is minibatch discrimination + a linear layer."""

    def __init__(self, image_shape: tuple[int, int, int], width: int = 64,
                 norm: str = "batch", minibatch_kernels: int = 0, kernel_dim: int = 5) -> None:
        super().__init__()
        channels, size, _ = image_shape
        start, layers = _plan(size)
        c = width
        blocks: list[nn.Module] = [nn.Conv2d(channels, c, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        for _ in range(layers - 1):
            blocks += [nn.Conv2d(c, c * 2, 4, 2, 1, bias=norm != "batch"), norm_layer(norm, c * 2),
                       nn.LeakyReLU(0.2, True)]
            c *= 2
        self.features = nn.Sequential(*blocks)
        if minibatch_kernels:
            mbd = MinibatchDiscrimination(c * start * start, minibatch_kernels, kernel_dim)
            self.head = nn.Sequential(nn.Flatten(), mbd, nn.Linear(mbd.out_features, 1))
        else:
            self.head = nn.Conv2d(c, 1, start, 1, 0)
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)).view(-1)
