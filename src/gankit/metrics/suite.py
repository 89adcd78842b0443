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
from gankit.metrics.registry import REGISTRY, register_metric

METRICS = ("fid", "kid", "is", "pr", "dc")  # the feature metrics, in the order they print
DEFAULT_METRICS = ("fid", "kid", "pr", "dc")


def parse_metrics(text: str | list[str] | tuple[str, ...]) -> list[str]:
    """'fid,kid' or a list of feature metrics -> validated names in the given order."""
    from gankit.metrics.registry import parse_metrics as parse

    return parse(text, needs=("features",))


@register_metric("fid", "features", ("fid",), ("FID",))
def _fid(real: Features | None, fake: Features, real_stats, seed: int) -> dict[str, float]:
    from gankit.metrics.fid import feature_statistics

    dim = fake.features.shape[1]
    n_real = len(real.features) if real is not None else len(fake.features)
    warn_if_small(min(len(fake.features), n_real), dim, "FID")
    mu_r, sigma_r = real_stats or feature_statistics(real.features, "real")
    mu_f, sigma_f = feature_statistics(fake.features, "fake")
    return {"fid": frechet_distance(mu_r, sigma_r, mu_f, sigma_f)}


@register_metric("kid", "features", ("kid_mean",), ("KID",))
def _kid(real: Features, fake: Features, real_stats, seed: int) -> dict[str, float]:
    mean, std = kid(real.features, fake.features, seed=seed)
    return {"kid_mean": mean, "kid_std": std}


@register_metric("is", "features", ("is_mean",), ("IS",))
def _is(real, fake: Features, real_stats, seed: int) -> dict[str, float]:
    if fake.logits is None:
        raise GankitError("is: these features have no class logits (the Inception weights found "
                          "have pool3 only; use pytorch-fid's pt_inception-2015-12-05-6726825d.pth "
                          "or --features fmnist)")
    mean, std = inception_score(fake.logits, seed=seed, from_logits=True)
    return {"is_mean": mean, "is_std": std}


@register_metric("pr", "features", ("precision", "recall"), ("precision", "recall"))
def _pr(real: Features, fake: Features, real_stats, seed: int) -> dict[str, float]:
    precision, recall = precision_recall(real.features, fake.features, k=3)
    return {"precision": precision, "recall": recall}


@register_metric("dc", "features", ("density", "coverage"), ("density", "coverage"))
def _dc(real: Features, fake: Features, real_stats, seed: int) -> dict[str, float]:
    density, coverage = density_coverage(real.features, fake.features, k=5)
    return {"density": density, "coverage": coverage}


def compute(names: list[str], real: Features | None, fake: Features,
            real_stats: tuple[np.ndarray, np.ndarray] | None = None, seed: int = 0) -> dict[str, Any]:
    """The named feature metrics of `fake` against `real`. FID may use precomputed
    `real_stats` (then `real` may be None, and only FID and IS can be computed)."""
    needs_real = [m for m in names if m in ("kid", "pr", "dc")]
    if real is None and (needs_real or real_stats is None):
        raise GankitError(f"{(needs_real or ['fid'])[0]} needs reference features; imported "
                          "statistics hold only mu and sigma (FID)")
    out: dict[str, Any] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in names:
            out.update(REGISTRY[name].compute(real, fake, real_stats, seed))
    out["warnings"] = sorted({str(w.message) for w in caught})
    return out


def table(result: dict[str, Any]) -> str:
    """The numbers of a result as aligned 'name  value' lines."""
    from gankit.metrics.registry import labels

    rows = []
    extra = [("class_accuracy", "class acc."), ("cycle_l1", "cycle L1"), ("target_class_rate", "to target"),
             ("bicubic_psnr", "PSNR bic."), ("bicubic_ssim", "SSIM bic."), ("diversity_l1", "diversity"),
             ("diversity_lpips", "div. LPIPS"), ("diversity_font_features", "div. font"),
             ("encoded_l1", "L1 E(B)"), ("encoded_ssim", "SSIM E(B)"), ("font_hit", "font hit")]
    for key, label in [*labels(), *extra]:
        if key in result:
            value = f"{result[key]:.4f}"
            std_key = key.replace("_mean", "_std")
            if std_key != key and std_key in result:
                std = result[std_key]
                value += " (one subset: no spread)" if std != std else f" ± {std:.4f}"
            rows.append(f"{label:<10} {value}")
    return "\n".join(rows)
