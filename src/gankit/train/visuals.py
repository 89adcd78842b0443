"""Progress pictures: a recipe's Visuals written as a PNG grid of image sets stacked set
under set, or a scatter plot of 2-D point sets (a set named "data" in grey beneath)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from gankit.images import save_grid, save_scatter, to_uint8
from gankit.recipes.base import Visuals

REFERENCE_SET = "data"


def _rgb_if_mixed(sets: list[np.ndarray]) -> list[np.ndarray]:
    if len({s.shape[-1] for s in sets}) == 1:
        return sets
    return [np.repeat(s, 3, axis=-1) if s.shape[-1] == 1 else s for s in sets]


def save_visuals(visuals: Visuals, path: str | Path, title: str = "") -> Path:
    """Write `visuals` to `path` (PNG)."""
    sets = {name: t.detach().float().cpu() for name, t in visuals.sets.items()}
    if all(t.ndim == 2 for t in sets.values()):  # 2-D points
        reference = sets.pop(REFERENCE_SET, None)
        points = torch.cat(list(sets.values())).numpy()
        return save_scatter(points, path, None if reference is None else reference.numpy(), title)
    images = _rgb_if_mixed([to_uint8(t) for t in sets.values()])
    nrow = visuals.nrow
    if len(images) > 1:  # one row (or block of rows) per set
        nrow = nrow or len(images[0])
    stacked = np.concatenate(images)
    scale = 2 if stacked.shape[1] <= 32 and len(images) > 1 else 1
    return save_grid(stacked, path, nrow=nrow, scale=scale)
