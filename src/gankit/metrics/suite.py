"""Several metrics from one pair of feature sets, stamped with the protocol behind them."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from gankit.errors import GankitError
from gankit.metrics.extractors import Features
from gankit.metrics.fid import frechet_distance, warn_if_small
from gankit.metrics.inception_score import inception_score
from gankit.metrics.kid import kid
from gankit.metrics.neighbours import density_coverage, precision_recall

METRICS = ("fid", "kid", "is", "pr", "dc")
DEFAULT_METRICS = ("fid", "kid", "pr", "dc")


def parse_metrics(text: str | list[str] | tuple[str, ...]) -> list[str]:
    """'fid,kid' or a list → validated names in the given order."""
    names = [m.strip().lower() for m in (text.split(",") if isinstance(text, str) else text) if m.strip()]
    unknown = [m for m in names if m not in METRICS]
    if unknown or not names:
        raise GankitError(f"unknown metric {unknown[0]!r}; choose from {', '.join(METRICS)}"
                          if unknown else f"no metric named; choose from {', '.join(METRICS)}")
    return list(dict.fromkeys(names))


def compute(names: list[str], real: Features | None, fake: Features,
            real_stats: tuple[np.ndarray, np.ndarray] | None = None, seed: int = 0) -> dict[str, Any]:
    """The named metrics of `fake` against `real`. FID may use precomputed `real_stats`
    (then `real` may be None, and only FID and IS can be computed)."""
    from gankit.metrics.fid import feature_statistics

    needs_real = [m for m in names if m in ("kid", "pr", "dc")]
    if real is None and (needs_real or real_stats is None):
        raise GankitError(f"{(needs_real or ['fid'])[0]} needs reference features; imported "
                          "statistics hold only mu and sigma (FID)")
    out: dict[str, Any] = {}
    dim = fake.features.shape[1]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if "fid" in names:
            n_real = len(real.features) if real is not None else len(fake.features)
            warn_if_small(min(len(fake.features), n_real), dim, "FID")
            mu_r, sigma_r = real_stats or feature_statistics(real.features, "real")
            mu_f, sigma_f = feature_statistics(fake.features, "fake")
            out["fid"] = frechet_distance(mu_r, sigma_r, mu_f, sigma_f)
        if "kid" in names:
            out["kid_mean"], out["kid_std"] = kid(real.features, fake.features, seed=seed)
        if "is" in names:
            if fake.logits is None:
                raise GankitError("is: these features have no class logits (the Inception "
                                  "weights found have pool3 only; use pytorch-fid's "
                                  "pt_inception-2015-12-05-6726825d.pth or --features fmnist)")
            out["is_mean"], out["is_std"] = inception_score(fake.logits, seed=seed, from_logits=True)
        if "pr" in names:
            out["precision"], out["recall"] = precision_recall(real.features, fake.features, k=3)
        if "dc" in names:
            out["density"], out["coverage"] = density_coverage(real.features, fake.features, k=5)
    out["warnings"] = sorted({str(w.message) for w in caught})
    return out


def table(result: dict[str, Any]) -> str:
    """The numbers of a result as aligned 'name  value' lines."""
    rows = []
    for key, label in (("fid", "FID"), ("kid_mean", "KID"), ("is_mean", "IS"),
                       ("precision", "precision"), ("recall", "recall"),
                       ("density", "density"), ("coverage", "coverage"),
                       ("class_accuracy", "class acc.")):
        if key in result:
            value = f"{result[key]:.4f}"
            std_key = key.replace("_mean", "_std")
            if std_key != key and std_key in result:
                std = result[std_key]
                value += " (one subset: no spread)" if std != std else f" ± {std:.4f}"
            rows.append(f"{label:<10} {value}")
    return "\n".join(rows)
