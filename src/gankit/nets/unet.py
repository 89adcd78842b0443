"""The U-Net generator of pix2pix (Isola et al. 2017): an encoder of stride-2 4×4 convs down to
a 1×1 bottleneck, a decoder of transposed convs back up, each decoder layer joined to the
encoder layer of the same size (skip connections), dropout in the decoder as the noise."""

from __future__ import annotations

import math

import torch
from torch import nn

from gankit.nets.dcgan import dcgan_init
from gankit.nets.registry import exportable

NORMS = ("batch", "instance", "none")


def norm2d(kind: str, channels: int) -> nn.Module:
    """BatchNorm2d, InstanceNorm2d (no affine, no running statistics, as in pix2pix/CycleGAN)
    or Identity."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)
    return nn.Identity()


def unet_widths(depth: int, width: int) -> list[int]:
    """Channels of encoder level i: width · min(2^i, 8) (64, 128, 256, 512, 512, ...)."""
    return [width * min(2**i, 8) for i in range(depth)]


@exportable
class UNetGenerator(nn.Module):
    """x (C_in, S, S) in [-1, 1] -> y (C_out, S, S) in [-1, 1] (tanh).

    `depth` stride-2 levels (0: log2(S), a 1×1 bottleneck: 8 at 256 px, 6 at 64 px). Encoder:
    conv, then LeakyReLU(0.2)-conv-norm; no norm on the first and innermost layers. Decoder:
    ReLU-transposed conv-norm, tanh at the end; dropout (p = `dropout`) after the
    `dropout_layers` decoder layers that follow the innermost one (pix2pix's CD512 layers).
    `bottleneck_extra` channels may be joined to the bottleneck before decoding (zi2zi's
    style embedding: see `decode`).
    Bias only where no batch norm follows; weights N(0, 0.02)."""

    def __init__(self, in_channels: int, out_channels: int, size: int, width: int = 64,
                 norm: str = "batch", dropout: float = 0.5, dropout_layers: int = 3,
                 depth: int = 0, bottleneck_extra: int = 0) -> None:
        super().__init__()
        depth = depth or int(round(math.log2(size)))
        if size % 2**depth:
            raise ValueError(f"a U-Net of depth {depth} needs a size divisible by {2**depth}, got {size}")
        self.in_channels, self.out_channels, self.size = in_channels, out_channels, size
        widths = unet_widths(depth, width)
        bias = norm != "batch"
        self.downs = nn.ModuleList()
        for i, c in enumerate(widths):
            c_in = in_channels if i == 0 else widths[i - 1]
            layers: list[nn.Module] = [] if i == 0 else [nn.LeakyReLU(0.2, True)]
            layers.append(nn.Conv2d(c_in, c, 4, 2, 1, bias=bias or i == 0))
            if 0 < i < depth - 1:
                layers.append(norm2d(norm, c))
            self.downs.append(nn.Sequential(*layers))
        self.ups = nn.ModuleList()
        noisy = set(range(max(1, depth - 1 - dropout_layers), depth - 1)) if dropout > 0 else set()
        for i, c in enumerate(widths):
            c_in = c + bottleneck_extra if i == depth - 1 else 2 * c
            c_out = out_channels if i == 0 else widths[i - 1]
            layers = [nn.ReLU(True), nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=bias or i == 0)]
            layers += [nn.Tanh()] if i == 0 else [norm2d(norm, c_out)]
            if i in noisy:
                layers.append(nn.Dropout(dropout))
            self.ups.append(nn.Sequential(*layers))
        self.apply(dcgan_init)

    def encode(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Every encoder level's output, outermost first (the last is the bottleneck)."""
        skips = []
        for down in self.downs:
            x = down(x)
            skips.append(x)
        return skips

    def decode(self, skips: list[torch.Tensor], bottleneck: torch.Tensor | None = None) -> torch.Tensor:
        h = self.ups[-1](skips[-1] if bottleneck is None else bottleneck)
        for i in range(len(self.ups) - 2, -1, -1):
            h = self.ups[i](torch.cat([skips[i], h], dim=1))
        return h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))
