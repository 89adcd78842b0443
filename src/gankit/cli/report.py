"""gankit report: one self-contained HTML page telling the story of a run."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="write a self-contained HTML report of a run",
                       description="Write one HTML file (pictures embedded: it opens anywhere, with "
                       "no network) with the run's config, provenance (command, gankit version and "
                       "commit, library versions, CPU and GPU), loss, evaluation and learning-rate "
                       "curves, its progress pictures on a slider, and its evaluations with their "
                       "protocol stamps. `gankit compare` writes one for its runs (OUT/report.html).")
    p.add_argument("run", metavar="RUN")
    p.add_argument("--out", metavar="FILE.html", help="where to write it (default: RUN/report.html)")


def run(args: argparse.Namespace) -> None:
    from gankit.report import write_run_report

    path = write_run_report(args.run, args.out)
    print(f"report written to {path}")
