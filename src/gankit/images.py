"""Image conversion and pictures: uint8 rounding, sample grids, scatter plots of points."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from PIL import Image


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """Float NCHW in [-1, 1] to uint8 NHWC, rounding to nearest (never truncating)."""
    scaled = ((images.detach().float().cpu() + 1.0) * 127.5).round_().clamp_(0, 255)
    return scaled.to(torch.uint8).permute(0, 2, 3, 1).numpy()


def make_grid(images: np.ndarray, nrow: int | None = None, pad: int = 2) -> np.ndarray:
    """Tile uint8 NHWC images into one HWC picture, `nrow` per row, with padding."""
    n, h, w, c = images.shape
    nrow = nrow or math.ceil(math.sqrt(n))
    rows = math.ceil(n / nrow)
    grid = np.zeros((rows * (h + pad) + pad, nrow * (w + pad) + pad, c), dtype=np.uint8)
    for i, image in enumerate(images):
        r, col = divmod(i, nrow)
        top, left = pad + r * (h + pad), pad + col * (w + pad)
        grid[top : top + h, left : left + w] = image
    return grid


def save_grid(images: np.ndarray, path: str | Path, nrow: int | None = None,
              scale: int = 1) -> Path:
    """Write uint8 NHWC images as one PNG grid (each pixel repeated `scale` times)."""
    from gankit.io import atomic_write, image_format

    grid = make_grid(images, nrow)
    if scale > 1:
        grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    path = Path(path)
    kind = image_format(path)
    with atomic_write(path) as handle:
        Image.fromarray(grid[:, :, 0] if grid.shape[2] == 1 else grid).save(handle, format=kind)
    return path


def save_scatter(points: np.ndarray, path: str | Path, reference: np.ndarray | None = None,
                 title: str = "") -> Path:
    """Scatter plot of 2-D samples over (optional) reference points from the data."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    if reference is not None:
        ax.scatter(reference[:, 0], reference[:, 1], s=2, c="lightgray", label="data")
    ax.scatter(points[:, 0], points[:, 1], s=3, c="tab:blue", alpha=0.6, label="samples")
    ax.set_aspect("equal")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    path = Path(path)
    save_figure(fig, path)
    plt.close(fig)
    return path


def save_figure(fig, path: Path) -> None:
    """A matplotlib figure written atomically (PNG, or the format its suffix names)."""
    from gankit.io import atomic_write, image_format

    kind = image_format(path).lower().replace("jpeg", "jpg")
    with atomic_write(path) as handle:
        fig.savefig(handle, format=kind)
