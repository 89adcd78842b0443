"""PatchGAN and PixelGAN discriminators (Isola et al. 2017): a grid of logits, each judging one
patch of the input, so D penalises structure at the scale of its receptive field."""

from __future__ import annotations

import torch
from torch import nn

from gankit.nets.dcgan import dcgan_init
from gankit.nets.registry import exportable
from gankit.nets.unet import norm2d


def receptive_field(layers: int) -> int:
    """The input patch each output logit of a `layers`-layer PatchGAN sees: 16, 34, 70, 142,
    286 pixels for 1-5 layers (4×4 convs: `layers` of stride 2, then two of stride 1)."""
    field = 1
    for stride in [1, 1] + [2] * layers:  # from the output back to the input
        field = stride * field + (4 - stride)
    return field


@exportable
class PatchDiscriminator(nn.Module):
    """x (C, H, W) -> logits (1, H', W'): conv(4, stride 2)-LeakyReLU(0.2), then `layers` - 1
    of conv(stride 2)-norm-LeakyReLU doubling the width (at most 8×), one of stride 1, and a
    one-channel conv. layers = 3 is the 70×70 PatchGAN of pix2pix and CycleGAN."""

    def __init__(self, in_channels: int, width: int = 64, layers: int = 3, norm: str = "batch") -> None:
        super().__init__()
        bias = norm != "batch"
        blocks: list[nn.Module] = [nn.Conv2d(in_channels, width, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, layers + 1):
            prev, mult = mult, min(2**n, 8)
            stride = 2 if n < layers else 1
            blocks += [nn.Conv2d(width * prev, width * mult, 4, stride, 1, bias=bias),
                       norm2d(norm, width * mult), nn.LeakyReLU(0.2, True)]
        self.features = nn.Sequential(*blocks)
        self.head = nn.Conv2d(width * mult, 1, 4, 1, 1)
        self.receptive_field = receptive_field(layers)
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


@exportable
class PixelDiscriminator(nn.Module):
    """The 1×1 PixelGAN: judges each pixel alone (colour, not structure)."""

    def __init__(self, in_channels: int, width: int = 64, norm: str = "batch") -> None:
        super().__init__()
        bias = norm != "batch"
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, width, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(width, 2 * width, 1, bias=bias), norm2d(norm, 2 * width), nn.LeakyReLU(0.2, True))
        self.head = nn.Conv2d(2 * width, 1, 1, bias=bias)
        self.receptive_field = 1
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))
