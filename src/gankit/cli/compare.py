"""gankit compare: train presets over seeds and tabulate them."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("compare", help="train presets over seeds and tabulate them",
                          description="Train each preset for K seeds (runs under "
                          "DIR/PRESET/seed-K; finished runs are reused, interrupted ones "
                          "resumed), measure every run (toy presets: mode coverage; image "
                          "presets: gankit eval's FID, KID, precision/recall, class accuracy of "
                          "conditional runs, test accuracy of semi-supervised runs) and write "
                          "summary.md, summary.csv (mean ± std), results.csv and "
                          "comparison.png (the samples of every run). Seconds are each run's "
                          "training time over all the calls that trained it.")
    p.add_argument("presets", nargs="+", metavar="PRESET")
    p.add_argument("--seeds", type=int, default=3, help="seeds per preset (default 3)")
    p.add_argument("--first-seed", type=int, default=0, metavar="S",
                   help="seeds S, S+1, ... (default 0; report on seeds you did not tune on)")
    p.add_argument("--rejection", type=float, metavar="Q",
                      help="toy presets: also measure each run on the samples D's rejection "
                      "sampling keeps at quantile Q (rows 'PRESET + DRS Q'; see gankit eval)")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                      help="override applied to every preset (repeatable)")
    p.add_argument("--n", type=int, default=10_000,
                      help="image presets: samples per evaluation (default 10000)")


def run(args: argparse.Namespace) -> None:
    from gankit.compare import compare
    from gankit.errors import GankitError

    if args.seeds < 1:
        raise GankitError(f"--seeds must be positive, got {args.seeds}")
    if args.first_seed < 0:
        raise GankitError(f"--first-seed must be zero or positive, got {args.first_seed}")
    if args.n < 2:
        raise GankitError(f"--n must be at least 2, got {args.n}")
    compare(args.presets, args.seeds, args.out, args.set, eval_n=args.n, rejection=args.rejection,
            first_seed=args.first_seed)
    print((Path(args.out) / "summary.md").read_text(), end="")
    print(f"tables and comparison.png in {args.out}")
