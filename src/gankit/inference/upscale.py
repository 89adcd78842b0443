"""Upscaling images of any size with a fully convolutional super-resolution net, tile by tile:
tiles of `tile` LR pixels overlapping by `overlap` on each side are upscaled and only their
centres are kept, so memory stays bounded and the result equals the untiled one whenever the
overlap covers the net's receptive field (SRResNet's is about 40 LR pixels)."""

from __future__ import annotations

import torch
from torch import nn

DEFAULT_TILE = 192
DEFAULT_OVERLAP = 40


def _starts(length: int, tile: int) -> list[int]:
    """Tile origins covering [0, length) with tiles of `tile` (the last one flush)."""
    if length <= tile:
        return [0]
    starts = list(range(0, length - tile, tile))
    return starts + [length - tile]


@torch.no_grad()
def upscale(net: nn.Module, image: torch.Tensor, scale: int, tile: int = DEFAULT_TILE,
            overlap: int = DEFAULT_OVERLAP) -> torch.Tensor:
    """net(image) for one LR image (C, h, w) in [-1, 1] -> (C_out, scale·h, scale·w), clamped,
    computed on tiles of `tile` + 2·`overlap` LR pixels (0: at once)."""
    device = next(net.parameters()).device
    c, h, w = image.shape
    if tile <= 0 or (h <= tile + 2 * overlap and w <= tile + 2 * overlap):
        return net(image[None].to(device)).float().cpu()[0].clamp(-1, 1)
    out = None
    for top in _starts(h, tile):
        for left in _starts(w, tile):
            y0, x0 = max(0, top - overlap), max(0, left - overlap)
            y1, x1 = min(h, top + tile + overlap), min(w, left + tile + overlap)
            piece = net(image[None, :, y0:y1, x0:x1].to(device)).float().cpu()[0]
            if out is None:
                out = torch.empty(piece.shape[0], h * scale, w * scale)
            th, tw = min(tile, h - top), min(tile, w - left)
            oy, ox = (top - y0) * scale, (left - x0) * scale
            out[:, top * scale:(top + th) * scale, left * scale:(left + tw) * scale] = \
                piece[:, oy:oy + th * scale, ox:ox + tw * scale]
    return out.clamp(-1, 1)
