"""Nearest-neighbour metrics of sample quality and diversity, computed in row blocks so that
50k × 50k comparisons fit in memory (float64 throughout).

- Precision / recall (Kynkäänniemi et al. 2019): a sample lies on the other set's manifold
  when it is within some point's k-NN radius (distance to its k-th nearest neighbour in its
  own set, the point itself excluded); membership uses ≤.
- Density / coverage (Naeem et al. 2020): density counts, per fake sample, the real k-NN
  balls containing it (divided by k); coverage is the share of real balls holding at least
  one fake sample. Balls are closed (≤), as in the paper; the `prdc` package uses <.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from gankit.errors import GankitError
from gankit.metrics.arrays import check_k, feature_pair

BLOCK_ENTRIES = 1 << 25  # distances held at once (256 MiB of float64)


def _blocks(n_rows: int, n_cols: int) -> Iterator[slice]:
    step = max(1, BLOCK_ENTRIES // max(n_cols, 1))
    for start in range(0, n_rows, step):
        yield slice(start, min(start + step, n_rows))


def _sq_distances(a: np.ndarray, b: np.ndarray, b_sq: np.ndarray) -> np.ndarray:
    d = (a * a).sum(axis=1)[:, None] + b_sq[None, :] - 2.0 * (a @ b.T)
    return np.maximum(d, 0.0, out=d)


def knn_radii(x: np.ndarray, ks: tuple[int, ...]) -> dict[int, np.ndarray]:
    """Squared distance of each row to its k-th nearest other row, for each k in `ks`."""
    if max(ks) >= len(x):
        raise GankitError(f"k = {max(ks)} nearest neighbours need more than {len(x)} samples")
    x_sq = (x * x).sum(axis=1)
    radii = {k: np.empty(len(x)) for k in ks}
    for rows in _blocks(len(x), len(x)):
        d = _sq_distances(x[rows], x, x_sq)
        # index 0 of each sorted row is the point itself (distance 0): the k-th other is at k
        part = np.partition(d, sorted(ks), axis=1)
        for k in ks:
            radii[k][rows] = part[:, k]
    return radii


def _within_balls(queries: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """For each query, how many balls (centre, squared radius) contain it."""
    c_sq = (centres * centres).sum(axis=1)
    counts = np.empty(len(queries), dtype=np.int64)
    for rows in _blocks(len(queries), len(centres)):
        counts[rows] = (_sq_distances(queries[rows], centres, c_sq) <= radii[None, :]).sum(axis=1)
    return counts


def precision_recall(real: Any, fake: Any, k: int = 3) -> tuple[float, float]:
    """Improved precision (share of fake on the real manifold) and recall (share of real on
    the fake manifold)."""
    real, fake = feature_pair(real, fake)
    check_k(k, min(len(real), len(fake)), "precision_recall")
    real_r, fake_r = knn_radii(real, (k,))[k], knn_radii(fake, (k,))[k]
    precision = float((_within_balls(fake, real, real_r) > 0).mean())
    recall = float((_within_balls(real, fake, fake_r) > 0).mean())
    return precision, recall


def _nearest_sq(queries: np.ndarray, ref: np.ndarray) -> np.ndarray:
    r_sq = (ref * ref).sum(axis=1)
    out = np.empty(len(queries))
    for rows in _blocks(len(queries), len(ref)):
        out[rows] = _sq_distances(queries[rows], ref, r_sq).min(axis=1)
    return out


def density_coverage(real: Any, fake: Any, k: int = 5) -> tuple[float, float]:
    """Density (about 1 when fake matches real, above 1 when crowded) and coverage."""
    real, fake = feature_pair(real, fake)
    check_k(k, len(real), "density_coverage")
    radii = knn_radii(real, (k,))[k]
    density = float(_within_balls(fake, real, radii).sum() / (k * len(fake)))
    coverage = float((_nearest_sq(real, fake) <= radii).mean())
    return density, coverage
