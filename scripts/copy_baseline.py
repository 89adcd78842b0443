"""The copy-the-input baseline (G(a) = a) on a translation run's held-out split, scored with
`gankit eval`'s protocol for that run (features "auto", every held-out example) and, on
Fashion-MNIST class pairs, the target-class rate that `gankit eval` reports for the run.

    .venv/bin/python scripts/copy_baseline.py runs/cg/cyclegan-fashion/seed-1 --direction AB

`gankit compare` adds a copy row too, but with Inception features for every translation
preset; this script matches what `gankit eval RUN` printed for the run itself.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import tomllib

from gankit.config import config_from_dict
from gankit.data import held_out_source
from gankit.evaluate.translation import (
    TranslationEvalOptions,
    copy_translator,
    evaluate_translator,
    target_class_rate,
)

SHOWN = ("l1", "psnr", "ssim", "fid", "kid_mean", "target_class_rate")


def copy_scores(run: Path, direction: str = "AB") -> dict:
    """The copy baseline's metrics on `run`'s held-out split, from field direction[0] to [1]."""
    with open(run / "config.toml", "rb") as f:
        cfg = config_from_dict(tomllib.load(f))
    test = held_out_source(cfg.data)
    if test is None:
        raise SystemExit(f"{run}: its data has no held-out split")
    source, target = direction[0], direction[1]
    extras = None
    dataset = "translation"
    if cfg.data.dataset == "classes":
        classes = cfg.data.classes
        extras = target_class_rate(classes.of, classes.b if target == "B" else classes.a)
        dataset = classes.of
    opts = TranslationEvalOptions(features="auto", n=len(test), seed=0)
    return evaluate_translator(copy_translator(test), test, opts, fields=(source, target),
                               extras=extras, dataset=dataset)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--direction", choices=["AB", "BA"], default="AB")
    args = parser.parse_args(argv)
    scores = copy_scores(args.run, args.direction)
    print(f"copy the input, {args.direction}, {scores.get('features')} features: "
          + ", ".join(f"{k} {scores[k]:.4g}" for k in SHOWN if k in scores))
    return scores


if __name__ == "__main__":
    main()
