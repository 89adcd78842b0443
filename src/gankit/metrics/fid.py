"""Fréchet distance between Gaussians fitted to two feature sets (FID when the features are
Inception pool3).

Everything is float64. tr √(Σ₁Σ₂) is computed from the eigenvalues of the symmetric PSD
matrix √Σ₁ Σ₂ √Σ₁ (same spectrum as Σ₁Σ₂), so it is real and stable even when N < D makes
the covariances singular, unlike `scipy.linalg.sqrtm` on the non-symmetric product or
float32 Newton–Schulz iterations.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from gankit.metrics.arrays import as_features, feature_pair

RELIABLE_SAMPLES = 2048  # below this (or below D) the covariance is rank-deficient


class SmallSampleWarning(UserWarning):
    """A metric computed from so few samples that it is strongly biased."""


def feature_statistics(features: Any, name: str = "features") -> tuple[np.ndarray, np.ndarray]:
    """Mean and unbiased (N − 1) covariance, in float64."""
    return _moments(as_features(features, name))


def _moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x.mean(axis=0), np.cov(x, rowvar=False, ddof=1).reshape(x.shape[1], x.shape[1])


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """tr √(Σ₁Σ₂) for symmetric PSD Σ₁, Σ₂."""
    root1 = _psd_sqrt(sigma1)
    middle = root1 @ sigma2 @ root1
    values = np.linalg.eigvalsh((middle + middle.T) / 2)
    return float(np.sqrt(np.clip(values, 0.0, None)).sum())


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray,
                     sigma2: np.ndarray) -> float:
    """‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr √(Σ₁Σ₂), never negative."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != mu1.shape * 2:
        from gankit.errors import GankitError

        raise GankitError(f"statistics do not match: mu {mu1.shape} vs {mu2.shape}, "
                          f"sigma {sigma1.shape} vs {sigma2.shape}")
    for name, value in (("mu", mu1), ("mu", mu2), ("sigma", sigma1), ("sigma", sigma2)):
        if not np.isfinite(value).all():
            from gankit.errors import GankitError

            raise GankitError(f"frechet_distance: {name} holds NaN or inf")
    diff = mu1 - mu2
    try:
        root = trace_sqrt_product(sigma1, sigma2)
    except np.linalg.LinAlgError as err:
        from gankit.errors import GankitError

        raise GankitError(f"frechet_distance: the covariances are numerically singular ({err})") from None
    value = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * root
    return max(float(value), 0.0)


def warn_if_small(n: int, dim: int, metric: str) -> None:
    if n < RELIABLE_SAMPLES or n < dim:
        warnings.warn(f"{metric} from {n} samples of {dim}-d features is biased upward "
                      f"(use at least {max(RELIABLE_SAMPLES, dim)})", SmallSampleWarning,
                      stacklevel=3)


def fid(real: Any, fake: Any) -> float:
    """Fréchet distance between the Gaussian fits of two (N, D) feature sets."""
    real, fake = feature_pair(real, fake)
    warn_if_small(min(len(real), len(fake)), real.shape[1], "FID")
    return frechet_distance(*_moments(real), *_moments(fake))  # checked once, above
