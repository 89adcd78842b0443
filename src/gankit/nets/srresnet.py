"""SRGAN's nets (Ledig et al. 2017): SRResNet, a generator of residual blocks at low resolution
with sub-pixel (PixelShuffle) ×2 upsampling stages, and the SRGAN discriminator."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from gankit.nets.registry import exportable


class SRBlock(nn.Module):
    """x + (conv3-BN-PReLU-conv3-BN)(x)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels),
                                  nn.PReLU(channels), nn.Conv2d(channels, channels, 3, padding=1),
                                  nn.BatchNorm2d(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


@exportable
class SRResNet(nn.Module):
    """LR (C, h, w) in [-1, 1] -> HR (C, scale·h, scale·w) in [-1, 1], any h and w (fully
    convolutional): conv9-PReLU, `blocks` residual blocks, conv3-BN plus the long skip,
    log2(scale) stages of conv3 (4× channels)-PixelShuffle(2)-PReLU, conv9; no final
    activation in the paper, clamped to [-1, 1] at inference by the translator. With
    `bicubic_skip` (not in the paper) the net adds its output to the bicubic upscaling of x,
    learning only the residual, so a short CPU run starts from bicubic's quality."""

    def __init__(self, in_channels: int = 3, out_channels: int = 3, scale: int = 4, width: int = 64,
                 blocks: int = 16, bicubic_skip: bool = False) -> None:
        super().__init__()
        self.bicubic_skip = bicubic_skip and in_channels == out_channels
        if scale < 2 or scale & (scale - 1):
            raise ValueError(f"scale must be a power of two, got {scale}")
        self.scale = scale
        self.head = nn.Sequential(nn.Conv2d(in_channels, width, 9, padding=4), nn.PReLU(width))
        self.blocks = nn.Sequential(*(SRBlock(width) for _ in range(blocks)))
        self.join = nn.Sequential(nn.Conv2d(width, width, 3, padding=1), nn.BatchNorm2d(width))
        ups: list[nn.Module] = []
        for _ in range(int(math.log2(scale))):
            ups += [nn.Conv2d(width, 4 * width, 3, padding=1), nn.PixelShuffle(2), nn.PReLU(width)]
        self.upsample = nn.Sequential(*ups)
        self.tail = nn.Conv2d(width, out_channels, 9, padding=4)
        if self.bicubic_skip:  # start near the bicubic image: a small residual on top of it
            with torch.no_grad():
                self.tail.weight.mul_(0.1)
                self.tail.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.head(x)
        y = self.tail(self.upsample(h + self.join(self.blocks(h))))
        if self.bicubic_skip:
            y = y + F.interpolate(x, scale_factor=self.scale, mode="bicubic", align_corners=False).to(y.dtype)
        return y


def _d_block(c_in: int, c_out: int, stride: int, norm: bool) -> list[nn.Module]:
    layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, 3, stride, 1, bias=not norm)]
    return layers + ([nn.BatchNorm2d(c_out)] if norm else []) + [nn.LeakyReLU(0.2, True)]


@exportable
class SRDiscriminator(nn.Module):
    """HR image -> one logit: 8 conv layers (64, 64/2, 128, 128/2, 256, 256/2, 512, 512/2),
    LeakyReLU 0.2 and batch norm after all but the first, then dense 1024, LeakyReLU, dense 1.
    An adaptive average pool to 6×6 before the dense layers keeps the paper's shapes at its
    96-px crops and accepts other sizes."""

    def __init__(self, in_channels: int = 3, width: int = 64) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c = in_channels
        for i, mult in enumerate((1, 1, 2, 2, 4, 4, 8, 8)):
            layers += _d_block(c, width * mult, 1 + i % 2, norm=i > 0)
            c = width * mult
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(6))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(c * 36, 1024), nn.LeakyReLU(0.2, True),
                                  nn.Linear(1024, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)).view(-1)
