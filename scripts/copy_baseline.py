"""The copy-the-input baseline (G(a) = a) on a translation run's held-out split, scored with
`gankit eval`'s protocol for that run (features "auto", every held-out example) and, on
Fashion-MNIST class pairs, the target-class rate that `gankit eval` reports for the run.

    .venv/bin/python scripts/copy_baseline.py runs/cg/cyclegan-fashion/seed-1 --direction AB

`gankit compare` adds the same row to its tables; this script scores it for runs trained by
separate commands, in either direction of a CycleGAN.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import tomllib

from gankit.config import config_from_dict
from gankit.evaluate.translation import TranslationEvalOptions, copy_baseline

SHOWN = ("l1", "psnr", "ssim", "fid", "kid_mean", "target_class_rate")


def copy_scores(run: Path, direction: str = "AB", metrics: list[str] | None = None) -> dict:
    """The copy baseline's metrics on `run`'s held-out split, from field direction[0] to [1]
    (`metrics`: as `gankit eval --metrics`; None: all the run's protocol has)."""
    with open(run / "config.toml", "rb") as f:
        cfg = config_from_dict(tomllib.load(f))
    opts = TranslationEvalOptions(metrics=metrics, features="auto", seed=0)
    return copy_baseline(cfg.data, opts, (direction[0], direction[1]))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--direction", choices=["AB", "BA"], default="AB")
    parser.add_argument("--metrics", help="comma-separated, as gankit eval's (e.g. l1,psnr,ssim: "
                        "no Inception pass); default: all")
    args = parser.parse_args(argv)
    metrics = args.metrics.split(",") if args.metrics else None
    scores = copy_scores(args.run, args.direction, metrics)
    features = f", {scores['features']} features" if scores.get("features") else ""
    print(f"copy the input, {args.direction}{features}: "
          + ", ".join(f"{k} {scores[k]:.4g}" for k in SHOWN if k in scores))
    return scores


if __name__ == "__main__":
    main()
