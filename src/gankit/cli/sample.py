"""gankit sample: draw samples of a trained model (a run or an export)."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser("sample", help="draw samples from a trained run or export",
                       description="Write N samples of a run's generator (its EMA copy when "
                       "present) to an .npz: 'images' as uint8 (N, H, W, C), or 'points' as "
                       "float32 (N, 2) for 2-D toy runs.")
    p.add_argument("run", metavar="RUN", help="a run directory or an export (gankit export)")
    p.add_argument("--n", type=int, default=64, help="number of samples (default 64)")
    p.add_argument("--out", metavar="FILE.npz", help="write them to an .npz")
    p.add_argument("--grid", metavar="FILE.png", help="save a picture of them (2-D toys: over the data)")
    p.add_argument("--folder", metavar="DIR", help="write one PNG per sample into DIR (what "
                   "external FID tools read)")
    p.add_argument("--seed", type=int, default=0, help="latent seed (default 0)")
    p.add_argument("--no-ema", action="store_true", help="use the raw generator")
    p.add_argument("--class", dest="class_index", type=int, metavar="C",
                   help="conditional runs: samples of class C only (default: every class "
                   "equally often; the grid then shows one row per class)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--rejection", type=float, metavar="Q",
                   help="keep only samples that the run's D accepts (discriminator rejection "
                   "sampling, Azadi et al. 2019), gamma at quantile Q of a burn-in draw "
                   "(e.g. 0.5; higher keeps fewer); unconditional minimax/non-saturating runs")


def run(args: argparse.Namespace) -> None:
    from pathlib import Path

    from gankit.errors import GankitError
    from gankit.inference import load_sampler
    from gankit.inference.outputs import check_room, stream_samples, write_samples

    if args.n <= 0:
        raise GankitError(f"--n must be positive, got {args.n}")
    if not (args.out or args.grid or args.folder):
        raise GankitError("say where the samples go: --out FILE.npz, --grid FILE.png and/or --folder DIR")
    if args.out and not args.out.endswith(".npz"):
        raise GankitError(f"--out {args.out}: the samples file must end in .npz")
    sampler = load_sampler(args.run, ema=not args.no_ema, device=args.device)
    if args.rejection is not None:
        from gankit.rejection import rejection_sample_run

        check_room(sampler, args.n, [Path(p) for p in (args.out, args.folder) if p])
        out, kept = rejection_sample_run(args.run, sampler.generator, args.n, args.seed, args.rejection,
                                         args.device)
        print(f"rejection sampling at quantile {args.rejection} kept {100 * kept:.1f}% of G's samples")
        write_samples(out, args.out, None, args.grid, None, args.folder, sampler.dataset)
    else:
        stream_samples(sampler, args.n, args.seed, args.class_index, args.out, args.folder, args.grid,
                       sampler.dataset)
    written = [p for p in (args.out, args.grid, args.folder) if p]
    print(f"wrote {args.n} samples to {' and '.join(written)}")
