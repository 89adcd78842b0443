"""Reference features and statistics, cached content-addressed in the user cache.

The key is the SHA-256 of the reference images' bytes and of the extractor's protocol, so
a cache entry can never be used for other images or another network. Entries are `.npz`
files written to a temporary name and renamed. Statistics import from and export to the
pytorch-fid `.npz` format (`mu`, `sigma`).
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from gankit.data.fetch import cache_dir
from gankit.errors import GankitError
from gankit.metrics.extractors import Extractor, Features, as_uint8_images
from gankit.metrics.fid import feature_statistics


def cache_key(images: np.ndarray, protocol: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps({k: v for k, v in protocol.items() if k != "weights"},
                             sort_keys=True).encode())
    digest.update(str(images.shape).encode())
    digest.update(np.ascontiguousarray(images).tobytes())
    return digest.hexdigest()[:32]


def _atomic_savez(path: Path, **arrays: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def reference_features(images: Any, extract: Extractor, batch_size: int = 50,
                       progress: bool = False, use_cache: bool = True) -> Features:
    """Features of reference images, from the cache when this exact pair was seen before."""
    images = np.asarray(as_uint8_images(images))
    path = cache_dir() / "reference" / f"{extract.name}-{cache_key(images, extract.protocol)}.npz"
    if use_cache and path.is_file():
        try:
            with np.load(path) as data:
                logits = data["logits"] if "logits" in data.files else None
                return Features(data["features"].astype(np.float64), logits)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            path.unlink(missing_ok=True)  # unreadable: recompute
    feats = extract.extract(images, batch_size, progress)
    if use_cache:
        arrays = {"features": feats.features.astype(np.float32),
                  "protocol": np.array(json.dumps(extract.protocol))}
        if feats.logits is not None:
            arrays["logits"] = feats.logits.astype(np.float32)
        _atomic_savez(path, **arrays)
    return feats


def export_statistics(features: np.ndarray, path: str | Path) -> Path:
    """Write `mu` and `sigma` of features as a pytorch-fid compatible .npz."""
    mu, sigma = feature_statistics(features)
    path = Path(path)
    _atomic_savez(path, mu=mu, sigma=sigma)
    return path


def import_statistics(path: str | Path, dim: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`mu` and `sigma` from a pytorch-fid style .npz, checked."""
    path = Path(path)
    try:
        with np.load(path) as data:
            if "mu" not in data.files or "sigma" not in data.files:
                raise GankitError(f"{path}: expected arrays 'mu' and 'sigma', found {', '.join(data.files)}")
            mu, sigma = data["mu"].astype(np.float64), data["sigma"].astype(np.float64)
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise GankitError(f"{path}: not a readable .npz ({err})") from None
    if mu.ndim != 1 or sigma.shape != (len(mu), len(mu)):
        raise GankitError(f"{path}: mu {mu.shape} and sigma {sigma.shape} do not fit together")
    if dim is not None and len(mu) != dim:
        raise GankitError(f"{path}: statistics of {len(mu)}-d features, the extractor gives {dim}-d")
    if not (np.isfinite(mu).all() and np.isfinite(sigma).all()):
        raise GankitError(f"{path}: mu or sigma holds NaN/Inf")
    return mu, sigma
