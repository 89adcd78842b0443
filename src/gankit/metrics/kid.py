"""Kernel Inception Distance (Bińkowski et al. 2018): unbiased MMD² with the cubic
polynomial kernel k(x, y) = (xᵀy / d + 1)³, averaged over seeded random subsets."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from gankit.metrics.arrays import feature_pair
from gankit.metrics.fid import SmallSampleWarning


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD² between equal-sized samples: diagonals of k(x, x), k(y, y) left out."""
    m = len(x)
    kxx, kyy, kxy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within = (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    return float(within - 2.0 * kxy.sum() / (m * m))


def kid(real: Any, fake: Any, subsets: int = 100, subset_size: int = 1000,
        seed: int = 0) -> tuple[float, float]:
    """Mean and (population) std of the unbiased MMD² over `subsets` random subsets of
    `subset_size` rows drawn without replacement from each set, seeded by `seed`. When both
    sets fit in one subset, the MMD² of the whole sets and a std of nan (there is no spread
    to report)."""
    real, fake = feature_pair(real, fake)
    from gankit.errors import GankitError

    if subsets < 1:
        raise GankitError(f"kid: subsets must be at least 1, got {subsets}")
    if subset_size < 2:
        raise GankitError(f"kid: subset_size must be at least 2 (the unbiased MMD drops the "
                          f"diagonal), got {subset_size}")
    m = min(subset_size, len(real), len(fake))
    if m < subset_size:
        warnings.warn(f"KID subsets of {m} rows instead of {subset_size} (only "
                      f"{len(real)} real, {len(fake)} fake samples)", SmallSampleWarning, stacklevel=2)
    if m == len(real) == len(fake):  # every subset would be both whole sets: one value, no spread
        warnings.warn(f"KID from one subset of all {m} samples: no spread between subsets",
                      SmallSampleWarning, stacklevel=2)
        return mmd2_unbiased(real, fake), float("nan")
    rng = np.random.default_rng(seed)
    values = np.array([
        mmd2_unbiased(real[rng.choice(len(real), m, replace=False)],
                      fake[rng.choice(len(fake), m, replace=False)])
        for _ in range(subsets)
    ])
    return float(values.mean()), float(values.std())
