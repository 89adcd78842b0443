"""gankit interpolate: latent walks of a trained sampler, or style walks of a zi2zi model."""

from __future__ import annotations

import argparse

DEFAULT_CHARS = "永和国书字天"


def add_parser(sub) -> None:
    p = sub.add_parser("interpolate", help="latent walks between random points, or between two styles",
                       description="One row per walk between two random latent points, as in the "
                       "DCGAN paper: smooth changes mean G has not memorised. With --styles A B (a "
                       "many-style glyph model such as zi2zi): one row per character, its input glyph "
                       "then the output while the style embedding moves from font A to font B.")
    p.add_argument("run", metavar="RUN", help="a run directory or an export")
    p.add_argument("--out", required=True, metavar="FILE.png")
    p.add_argument("--rows", type=int, default=8, help="number of walks (default 8)")
    p.add_argument("--steps", type=int, default=10, help="images per walk (default 10)")
    p.add_argument("--mode", choices=["linear", "slerp"], default="linear")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--styles", nargs=2, metavar=("A", "B"),
                   help="style models: walk between these two styles (names or ids)")
    p.add_argument("--chars", default=DEFAULT_CHARS, metavar="TEXT|FILE",
                   help=f"with --styles: the characters, one row each (default {DEFAULT_CHARS})")


def run(args: argparse.Namespace) -> None:
    from gankit.errors import GankitError

    if args.steps < 2:
        raise GankitError("--steps must be at least 2")
    if args.styles:
        from gankit.inference.glyph_writer import read_chars
        from gankit.inference.style_grid import write_style_interpolation

        kept, names = write_style_interpolation(args.run, read_chars(args.chars), *args.styles, args.out,
                                                args.steps)
        print(f"wrote {len(kept)} characters from style {names[0]} to {names[1]} in {args.steps} "
              f"steps to {args.out}")
        return
    from gankit.inference import load_sampler
    from gankit.inference.outputs import write_interpolation

    if args.rows <= 0:
        raise GankitError("--rows must be positive")
    sampler = load_sampler(args.run)
    if sampler.points:
        raise GankitError(f"{args.run} generates 2-D points; interpolate draws images")
    write_interpolation(sampler, args.out, args.rows, args.steps, args.seed, args.mode)
    print(f"wrote {args.rows} latent walks of {args.steps} steps to {args.out}")
