"""Inception Score (Salimans et al. 2016): exp E_x KL(p(y|x) ‖ p(y)), over splits."""

from __future__ import annotations

from typing import Any

import numpy as np

from gankit.errors import GankitError
from gankit.metrics.arrays import as_features


def _log_probs(x: np.ndarray, from_logits: bool | None) -> np.ndarray:
    looks_like_probs = bool((x >= 0).all() and np.allclose(x.sum(axis=1), 1.0, atol=1e-4))
    if from_logits is None:
        from_logits = not looks_like_probs
    if from_logits:
        shifted = x - x.max(axis=1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    if not looks_like_probs:
        raise GankitError("inception_score: rows are not probabilities (non-negative, summing to 1)")
    with np.errstate(divide="ignore"):
        return np.log(x)


def inception_score(probs_or_logits: Any, splits: int = 10, seed: int = 0,
                    from_logits: bool | None = None) -> tuple[float, float]:
    """Mean and population std of the score over `splits` parts of a seeded permutation.

    Rows are probabilities when non-negative and summing to 1, logits otherwise (or as
    `from_logits` says). Computed in float64; 0·log 0 counts as 0.
    """
    x = as_features(probs_or_logits, "inception_score input")
    if not 1 <= splits <= len(x):
        raise GankitError(f"inception_score: splits must be between 1 and {len(x)}, got {splits}")
    log_p = _log_probs(x, from_logits)
    order = np.random.default_rng(seed).permutation(len(x))
    n, scores = len(x), []
    for i in range(splits):  # the split boundaries of the original code: i·N // splits
        lp = log_p[order[i * n // splits : (i + 1) * n // splits]]
        p = np.exp(lp)
        log_marginal = np.log(p.mean(axis=0))
        with np.errstate(invalid="ignore"):
            terms = np.where(p > 0, p * (lp - log_marginal), 0.0)
        scores.append(np.exp(terms.sum(axis=1).mean()))
    return float(np.mean(scores)), float(np.std(scores))
