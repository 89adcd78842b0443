"""BicycleGAN's nets (Zhu et al. 2017): a U-Net whose input is joined by a latent code z (tiled
over the image), and a ResNet encoder E from an image to the mean and log-variance of z."""

from __future__ import annotations

import torch
from torch import nn

from gankit.nets.dcgan import dcgan_init
from gankit.nets.registry import exportable
from gankit.nets.unet import UNetGenerator, norm2d


@exportable
class LatentUNet(nn.Module):
    """(x (C_in, S, S), z (nz,)) -> y (C_out, S, S): the U-Net of x with z tiled onto its input."""

    def __init__(self, in_channels: int, out_channels: int, size: int, latent_dim: int = 8,
                 width: int = 64, norm: str = "instance", dropout: float = 0.0, dropout_layers: int = 3,
                 depth: int = 0) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.unet = UNetGenerator(in_channels + latent_dim, out_channels, size, width, norm, dropout,
                                  dropout_layers, depth)

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        tiled = z.to(x.dtype)[:, :, None, None].expand(-1, -1, *x.shape[2:])
        return self.unet(torch.cat([x, tiled], dim=1))


class _EncoderBlock(nn.Module):
    """norm-LReLU-conv3-norm-LReLU-conv3 then 2x average pooling, plus a pooled 1x1 shortcut."""

    def __init__(self, c_in: int, c_out: int, norm: str) -> None:
        super().__init__()
        self.body = nn.Sequential(
            norm2d(norm, c_in), nn.LeakyReLU(0.2, True), nn.Conv2d(c_in, c_in, 3, 1, 1),
            norm2d(norm, c_in), nn.LeakyReLU(0.2, True), nn.Conv2d(c_in, c_out, 3, 1, 1), nn.AvgPool2d(2))
        self.shortcut = nn.Sequential(nn.AvgPool2d(2), nn.Conv2d(c_in, c_out, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.shortcut(x)


@exportable
class ResNetEncoder(nn.Module):
    """An image -> (mu, logvar) of a `latent_dim` code: conv4 stride 2, `blocks` residual blocks
    (widths 1, 2, 3, 4 x `width`), LeakyReLU, global average pooling, two linear heads."""

    def __init__(self, in_channels: int, latent_dim: int = 8, width: int = 64, blocks: int = 4,
                 norm: str = "none") -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(in_channels, width, 4, 2, 1)]
        c = width
        for i in range(blocks):
            c_out = width * min(i + 2, 4)
            layers.append(_EncoderBlock(c, c_out, norm))
            c = c_out
        layers += [nn.LeakyReLU(0.2, True), nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        self.features = nn.Sequential(*layers)
        self.mu, self.logvar = nn.Linear(c, latent_dim), nn.Linear(c, latent_dim)
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.features(x)
        return self.mu(h), self.logvar(h)
