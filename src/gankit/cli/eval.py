"""gankit eval: measure a trained run, or real images against real images."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub) -> None:
    p = sub.add_parser(
        "eval", help="measure a trained run (FID, KID, IS, PR, DC, or toy mode coverage)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Sample a run's generator (its EMA copy when present) and measure it "
        "against real images of the dataset's test split: FID, KID, Inception/classifier "
        "score (is), precision/recall (pr), density/coverage (dc). Features come from the "
        "2015 Inception (pool3) or, for Fashion-MNIST, from gankit's Fashion-MNIST "
        "classifier. Reference features are cached in the user cache. 2-D toy runs get the "
        "PacGAN mode-coverage report instead. Results are printed and appended to "
        "RUN/eval.jsonl, stamped with the extractor, weights hash, sample counts and resize.",
        epilog="examples:\n  gankit eval runs/demo --features fmnist --n 10000\n"
        "  gankit eval --real fashion-mnist --fake samples.npz --features fmnist\n"
        "  gankit eval --real photos/ --fake generated/ --metrics fid,kid\n"
        "  gankit eval runs/demo --features inception --metrics fid,kid --n 5000\n"
        "  gankit eval --real-vs-real fashion-mnist --features fmnist\n"
        "  gankit eval runs/ring --n 2500")
    p.add_argument("run", metavar="RUN", nargs="?", help="the run directory")
    p.add_argument("--real", metavar="SET", help="instead of a run: a folder of images, an .npz "
                   "('images', as gankit sample writes) or a dataset (its test split; NAME:train)")
    p.add_argument("--fake", metavar="SET", help="with --real: the set measured against it "
                   "(a folder of images or an .npz)")
    p.add_argument("--real-vs-real", metavar="DATASET",
                          help="instead of a run: train-split images against the test split "
                          "(the floor a perfect generator reaches)")
    p.add_argument("--metrics", metavar="LIST",
                          help="comma-separated: fid,kid,is,pr,dc (default: all the features allow)")
    p.add_argument("--features", choices=["auto", "inception", "fmnist"], default="auto",
                          help="feature extractor (auto: fmnist for Fashion-MNIST, else inception)")
    p.add_argument("--n", "--num-samples", dest="n", type=int,
                          help="samples (default 10000 for images, or as many as the reference "
                          "holds when fewer; 2500 for toys); under torchrun write --num-samples, "
                          "since torchrun reads --n as its own option")
    p.add_argument("--seed", type=int, default=0, help="latent and subset seed (default 0)")
    p.add_argument("--batch-size", type=int, default=50, help="images per forward pass")
    p.add_argument("--inception-weights", metavar="PATH",
                          help="Inception weights file (.pt TorchScript or pytorch-fid .pth)")
    p.add_argument("--resize", choices=["tf1-bilinear", "pil-bicubic"], default="tf1-bilinear",
                          help="how images reach 299x299 for Inception (default: as the TF FID code)")
    p.add_argument("--ref-stats", metavar="FILE.npz",
                          help="reference mu/sigma (pytorch-fid format) to use for FID")
    p.add_argument("--save-ref-stats", metavar="FILE.npz",
                          help="also write the reference features' mu/sigma (pytorch-fid format)")
    p.add_argument("--image-size", type=int,
                          help="with --real-vs-real or --real/--fake: resize images to this size first")
    p.add_argument("--data-dir", metavar="DIR", help="read the dataset from DIR (a run's dataset "
                          "that moved there: checked to be the same data)")
    p.add_argument("--no-cache", action="store_true", help="recompute reference features")
    p.add_argument("--no-ema", action="store_true", help="use the raw generator")
    p.add_argument("--model", "--direction", dest="model", metavar="NAME",
                   help="which model of the run (a CycleGAN: AB or BA; default: the first)")
    p.add_argument("--test-mode", choices=["eval", "train"],
                   help="translators: G deterministic (eval) or with dropout and batch statistics on "
                   "(train, the pix2pix paper's noise); default: the run's recipe option")
    p.add_argument("--lpips-weights", metavar="DIR",
                   help="translators: a folder with LPIPS's weights (alexnet-owt-7be5be79.pth and "
                   "alex.pth), which cannot be downloaded here; then --metrics may name lpips")
    p.add_argument("--y-channel", action="store_true",
                   help="translators: PSNR/SSIM on the BT.601 luma of RGB images (as SR papers)")
    p.add_argument("--border", type=int, default=0, metavar="PX",
                   help="translators: crop PX pixels from every side before PSNR/SSIM")
    p.add_argument("--rejection", type=float, metavar="Q",
                          help="2-D toy runs: measure samples kept by discriminator rejection "
                          "sampling (Azadi et al. 2019), gamma at quantile Q of F over a "
                          "burn-in draw (e.g. 0.5; higher keeps fewer)")


def run(args: argparse.Namespace) -> None:
    from gankit.errors import GankitError
    from gankit.evaluate import (
        describe,
        evaluate_real_vs_real,
        evaluate_run,
        save_reference_statistics,
    )
    from gankit.evaluate.translation import TranslationEvalOptions
    from gankit.runtime.distributed import join_eval_world

    given = [x for x in (args.run, args.real_vs_real, args.real) if x is not None]
    if len(given) != 1 or (args.real is None) != (args.fake is None):
        raise GankitError("give one of: a RUN directory, --real-vs-real DATASET, or --real SET --fake SET")
    if args.n is not None and args.n < 2:
        raise GankitError(f"--n must be at least 2, got {args.n}")
    if args.batch_size < 1:
        raise GankitError(f"--batch-size must be positive, got {args.batch_size}")
    if args.lpips_weights:
        import os

        os.environ["GANKIT_LPIPS_WEIGHTS"] = args.lpips_weights  # the lookup's second place
    world = join_eval_world()
    opts = TranslationEvalOptions(
        metrics=args.metrics.split(",") if args.metrics else None, features=args.features,
        seed=args.seed, batch_size=args.batch_size, inception_weights=args.inception_weights,
        resize=args.resize, ref_stats=args.ref_stats, use_cache=not args.no_cache,
        progress=sys.stderr.isatty() and world.is_main, y_channel=args.y_channel,
        border=args.border, test_mode=args.test_mode)
    if args.n is not None:
        opts.n = args.n
    if args.real_vs_real or args.real:
        if not world.is_main:
            return  # real images only: nothing to share out
        if args.real:
            from gankit.evaluate.sets import evaluate_sets

            result = evaluate_sets(args.real, args.fake, opts, args.image_size, args.data_dir or "")
        else:
            result = evaluate_real_vs_real(args.real_vs_real, opts, args.image_size, args.data_dir or "")
    else:
        result = evaluate_run(args.run, args.n, args.seed, opts, ema=not args.no_ema,
                              rejection=args.rejection, data_dir=args.data_dir, model=args.model)
    if not world.is_main:
        return  # rank 0 gathered every rank's features and reports
    for warning in result.get("warnings", []):
        print(f"gankit: warning: {warning}", file=sys.stderr)
    print(describe(result))
    if args.save_ref_stats:
        path = save_reference_statistics(args.save_ref_stats, opts, run=args.run,
                                         dataset=args.real_vs_real, image_size=args.image_size,
                                         root=args.data_dir or "")
        print(f"reference statistics written to {path}")
