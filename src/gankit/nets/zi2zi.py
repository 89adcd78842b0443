"""zi2zi's generator (Tian 2017): a pix2pix U-Net whose 1×1 bottleneck is joined by a learned
embedding of the target style (font), so one net writes many fonts. Unlike the original,
whose embedding table is a fixed random tensor, the embedding here is trained."""

from __future__ import annotations

import torch
from torch import nn

from gankit.nets.registry import exportable
from gankit.nets.unet import UNetGenerator


@exportable
class StyleUNet(nn.Module):
    """(x (C_in, S, S) in [-1, 1], style ids (N,)) -> y (C_out, S, S) in [-1, 1]."""

    def __init__(self, in_channels: int, out_channels: int, size: int, num_styles: int,
                 embed_dim: int = 128, width: int = 64, norm: str = "batch", dropout: float = 0.5,
                 dropout_layers: int = 3, depth: int = 0) -> None:
        super().__init__()
        self.unet = UNetGenerator(in_channels, out_channels, size, width, norm, dropout, dropout_layers,
                                  depth, bottleneck_extra=embed_dim)
        self.embedding = nn.Embedding(num_styles, embed_dim)
        nn.init.normal_(self.embedding.weight, 0.0, 0.01)
        self.num_styles = num_styles

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The bottleneck code of x (N, C, 1, 1): what the constant loss compares."""
        return self.unet.encode(x)[-1]

    def style_code(self, style: torch.Tensor) -> torch.Tensor:
        """The embedding of style ids (N,), or of a mix of styles: float weights (N, num_styles),
        whose rows weight the learned embeddings (a style interpolation's points)."""
        if style.is_floating_point() and style.ndim == 2:
            return style.to(self.embedding.weight.dtype) @ self.embedding.weight
        return self.embedding(style.long())

    def forward(self, x: torch.Tensor, style: torch.Tensor, codes: bool = False):
        """G(x, style) (style: ids, or mixing weights as in `style_code`); with `codes`, also
        the bottleneck codes of x and of G(x, style), in the same call (so a DDP view of the
        net sees one forward)."""
        skips = self.unet.encode(x)
        code = self.style_code(style)[:, :, None, None].expand(-1, -1, *skips[-1].shape[2:])
        y = self.unet.decode(skips, torch.cat([skips[-1], code.to(skips[-1].dtype)], dim=1))
        return (y, skips[-1], self.encode(y)) if codes else y
