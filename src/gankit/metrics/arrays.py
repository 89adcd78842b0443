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
    if x.shape[1] == 0:
        raise GankitError(f"{name}: features of width 0 (N, 0): nothing to measure")
    x = x.astype(np.float64, copy=False)
    bad = ~np.isfinite(x)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise GankitError(f"{name}: {int(bad.sum())} NaN/Inf values (first in row {row})")
    if np.abs(x).max() > MAX_MAGNITUDE:
        raise GankitError(f"{name}: features up to {np.abs(x).max():.3g} in magnitude: their squares "
                          f"overflow float64; scale them below {MAX_MAGNITUDE:g}")
    return x


MAX_MAGNITUDE = 1e100  # squares and products of the statistics must stay finite in float64


def check_k(k: int, n: int, metric: str) -> None:
    """k nearest neighbours need 1 <= k < N (the point itself is not counted)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k < n:
        raise GankitError(f"{metric}: k must be an integer in [1, {n - 1}] for {n} samples, got {k}")


def feature_pair(real: Any, fake: Any, min_rows: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Both feature sets checked, with equal widths."""
    real, fake = as_features(real, "real", min_rows), as_features(fake, "fake", min_rows)
    if real.shape[1] != fake.shape[1]:
        raise GankitError(f"feature widths differ: real has {real.shape[1]}, fake has {fake.shape[1]}")
    return real, fake
