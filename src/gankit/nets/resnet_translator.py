"""The ResNet generator of CycleGAN (Zhu et al. 2017, after Johnson et al. 2016): a 7×7 stem,
two stride-2 downsamplings, residual blocks at a quarter of the size, two stride-2
upsamplings and a 7×7 head with tanh; reflection padding, instance norm by default."""

from __future__ import annotations

import torch
from torch import nn

from gankit.nets.dcgan import dcgan_init
from gankit.nets.registry import exportable
from gankit.nets.unet import norm2d

DOWNSAMPLINGS = 2


class ResidualBlock(nn.Module):
    """x + (pad-conv3-norm-ReLU-[dropout]-pad-conv3-norm)(x)."""

    def __init__(self, channels: int, norm: str, dropout: float, bias: bool) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=bias),
                                   norm2d(norm, channels), nn.ReLU(True)]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=bias), norm2d(norm, channels)]
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


@exportable
class ResNetTranslator(nn.Module):
    """x (C_in, S, S) in [-1, 1] -> y (C_out, S, S) in [-1, 1]; S divisible by 4.

    c7s1-w, d2w, d4w, `blocks` × R4w, u2w, u1w, c7s1-C_out (the paper's notation, w =
    `width`): 6 blocks below 256 px and 9 at 256 in the paper. Bias only where no batch
    norm follows; weights N(0, 0.02)."""

    def __init__(self, in_channels: int, out_channels: int, width: int = 64, blocks: int = 9,
                 norm: str = "instance", dropout: float = 0.0) -> None:
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        bias = norm != "batch"
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(in_channels, width, 7, bias=bias),
                                   norm2d(norm, width), nn.ReLU(True)]
        for i in range(DOWNSAMPLINGS):
            c = width * 2**i
            layers += [nn.Conv2d(c, 2 * c, 3, 2, 1, bias=bias), norm2d(norm, 2 * c), nn.ReLU(True)]
        inner = width * 2**DOWNSAMPLINGS
        layers += [ResidualBlock(inner, norm, dropout, bias) for _ in range(blocks)]
        for i in range(DOWNSAMPLINGS, 0, -1):
            c = width * 2**i
            layers += [nn.ConvTranspose2d(c, c // 2, 3, 2, 1, output_padding=1, bias=bias),
                       norm2d(norm, c // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(width, out_channels, 7), nn.Tanh()]
        self.body = nn.Sequential(*layers)
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)
