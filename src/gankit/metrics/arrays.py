"""Checking metric inputs: feature matrices and class probabilities as float64 numpy."""

from __future__ import annotations

from typing import Any

import numpy as np

from gankit.errors import GankitError


def as_features(x: Any, name: str, min_rows: int = 2) -> np.ndarray:
    """An (N, D) float64 array from numpy or torch, or one clear line on what is wrong."""
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().double().numpy()
    x = np.asarray(x)
    if x.dtype.kind not in "fiu":
        raise GankitError(f"{name}: features must be numbers, got dtype {x.dtype}")
    if x.ndim != 2:
        raise GankitError(f"{name}: features must be a 2-D array (N, D), got shape {x.shape}")
    if x.shape[0] < min_rows:
        raise GankitError(f"{name}: need at least {min_rows} samples, got {x.shape[0]}")
    x = x.astype(np.float64, copy=False)
    bad = ~np.isfinite(x)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise GankitError(f"{name}: {int(bad.sum())} NaN/Inf values (first in row {row})")
    return x


def feature_pair(real: Any, fake: Any, min_rows: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Both feature sets checked, with equal widths."""
    real, fake = as_features(real, "real", min_rows), as_features(fake, "fake", min_rows)
    if real.shape[1] != fake.shape[1]:
        raise GankitError(f"feature widths differ: real has {real.shape[1]}, fake has {fake.shape[1]}")
    return real, fake
