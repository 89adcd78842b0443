"""gankit interpolate: latent walks of a trained sampler."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser("interpolate", help="latent walks between random points",
                       description="One row per walk between two random latent points, as in the "
                       "DCGAN paper: smooth changes mean G has not memorised.")
    p.add_argument("run", metavar="RUN", help="a run directory or an export")
    p.add_argument("--out", required=True, metavar="FILE.png")
    p.add_argument("--rows", type=int, default=8, help="number of walks (default 8)")
    p.add_argument("--steps", type=int, default=10, help="images per walk (default 10)")
    p.add_argument("--mode", choices=["linear", "slerp"], default="linear")
    p.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> None:
    from gankit.errors import GankitError
    from gankit.inference import load_sampler
    from gankit.inference.outputs import write_interpolation

    if args.rows <= 0 or args.steps < 2:
        raise GankitError("--rows must be positive and --steps at least 2")
    sampler = load_sampler(args.run)
    if sampler.points:
        raise GankitError(f"{args.run} generates 2-D points; interpolate draws images")
    write_interpolation(sampler, args.out, args.rows, args.steps, args.seed, args.mode)
    print(f"wrote {args.rows} latent walks of {args.steps} steps to {args.out}")
