"""Mean ± standard deviation of the latest evaluation record of several runs (RUN/eval.jsonl)
that holds every key asked for, for results tables built from runs trained by separate commands.

    .venv/bin/python scripts/summarize_evals.py runs/glyphs/pix2pix-glyphs/seed-{1,2,3} \
        runs/glyphs-b/pix2pix-glyphs/seed-{4,5} --keys l1 psnr ssim fid kid_mean
    .venv/bin/python scripts/summarize_evals.py runs/cg/cyclegan-fashion/seed-{1,2,3,4,5} --model BA

The standard deviation is the population one, as in `gankit compare`. Prints one row per
run, then the summary row as Markdown.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from gankit.io import read_json_lines


def latest_record(run: Path, metric: str | None, model: str | None = None,
                  keys: list[str] = ()) -> dict:
    """The newest record of `run` of that metric and model holding every one of `keys` (an
    eval with fewer metrics, e.g. a `--test-mode train` one, does not hide an earlier full one)."""
    path = run / "eval.jsonl"
    if not path.is_file():
        raise SystemExit(f"{run}: no eval.jsonl (run gankit eval {run})")
    records = [r for r in read_json_lines(path) if (metric is None or r.get("metric") == metric)
               and (model is None or r.get("model") == model)]
    if not records:
        raise SystemExit(f"{path}: no {metric or ''} record" + (f" of model {model}" if model else ""))
    full = [r for r in records if all(r.get(k) is not None for k in keys)]
    if not full:
        missing = [k for k in keys if records[-1].get(k) is None]
        raise SystemExit(f"{path}: no record holds {', '.join(missing)} (its latest has "
                         f"{', '.join(k for k in records[-1] if k in keys) or 'none of the keys'})")
    return full[-1]


def main(argv: list[str] | None = None) -> dict[str, tuple[float, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--keys", nargs="+", default=["l1", "psnr", "ssim", "fid", "kid_mean"])
    parser.add_argument("--metric", help="only records of this metric (e.g. translation, fid)")
    parser.add_argument("--model", help="only records of this exported model (e.g. AB, BA of a CycleGAN)")
    args = parser.parse_args(argv)
    records = [latest_record(run, args.metric, args.model, args.keys) for run in args.runs]
    for run, record in zip(args.runs, records, strict=True):
        print(run, " ".join(f"{k}={record.get(k)}" for k in args.keys), f"step={record.get('step')}")
    summary = {}
    for key in args.keys:
        values = [float(r[key]) for r in records]
        spread = statistics.pstdev(values) if len(values) > 1 else 0.0
        summary[key] = (statistics.mean(values), spread)
    print("| runs | " + " | ".join(args.keys) + " |")
    print("|---|" + "---|" * len(args.keys))
    print(f"| {len(records)} | " + " | ".join(f"{m:.4g} ± {s:.2g}" for m, s in summary.values()) + " |")
    return summary


if __name__ == "__main__":
    main()
