"""Resizing uint8-valued images to a network's input size, by a named protocol.

- `tf1-bilinear`: TensorFlow 1's ResizeBilinear without half-pixel centres, the resize inside
  the 2015 FID graph (source coordinate = output index × in / out), so features match the
  original TF FID code.
- `pil-bicubic`: PIL's antialiased bicubic on float channels (the clean-fid protocol).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
from PIL import Image

RESIZE_MODES = ("tf1-bilinear", "pil-bicubic")


@lru_cache(maxsize=8)
def tf1_bilinear_matrix(size_in: int, size_out: int) -> torch.Tensor:
    """(size_out, size_in) weights: row i mixes inputs floor(s) and floor(s) + 1, s = i·in/out."""
    src = np.arange(size_out, dtype=np.float64) * (size_in / size_out)
    low = np.floor(src).astype(np.int64)
    high = np.minimum(low + 1, size_in - 1)
    frac = src - low
    matrix = np.zeros((size_out, size_in))
    np.add.at(matrix, (np.arange(size_out), low), 1.0 - frac)
    np.add.at(matrix, (np.arange(size_out), high), frac)
    return torch.from_numpy(matrix).float()


def resize(images: torch.Tensor, size: int, mode: str) -> torch.Tensor:
    """Float NCHW images with values in [0, 255] to (N, C, size, size)."""
    h, w = images.shape[-2:]
    if (h, w) == (size, size):
        return images
    if mode == "tf1-bilinear":
        return tf1_bilinear_matrix(h, size) @ images @ tf1_bilinear_matrix(w, size).T
    if mode == "pil-bicubic":
        out = np.empty((*images.shape[:2], size, size), dtype=np.float32)
        for i, image in enumerate(images.numpy()):
            for c, channel in enumerate(image):
                resized = Image.fromarray(channel.astype(np.float32), mode="F").resize(
                    (size, size), Image.BICUBIC)
                out[i, c] = np.asarray(resized)
        return torch.from_numpy(out).clamp_(0, 255)
    raise ValueError(f"unknown resize mode {mode!r}; choose from {', '.join(RESIZE_MODES)}")
