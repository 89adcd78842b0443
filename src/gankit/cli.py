"""Command line: argument parsing only; the work is done by the Python API."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gankit.errors import GankitError, TrainingInterrupted

EPILOG = """examples:
  gankit presets
  gankit train --preset dcgan-fashion-mnist --out runs/dcgan
  gankit train --preset dcgan-fashion-mnist --out runs/quick --steps 500 --set optim.lr_g=1e-4
  gankit train --resume runs/dcgan --steps 6000
  gankit sample runs/dcgan --n 1000 --out samples.npz --grid samples.png
  gankit interpolate runs/dcgan --out walk.png
  gankit compare gan-grid25 pacgan-grid25 --seeds 3 --out runs/lab
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gankit", description="Train, sample and evaluate GANs.", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = sub.add_parser(
        "train", help="train a preset into a run directory, or resume one",
        description="Train a GAN from a preset (gankit presets lists them) into a run "
        "directory, or continue an interrupted run exactly where it stopped.")
    what = train.add_mutually_exclusive_group(required=True)
    what.add_argument("--preset", metavar="NAME", help="preset name, or a path to a .toml file")
    what.add_argument("--resume", metavar="RUN", help="continue the run in RUN")
    train.add_argument("--out", metavar="RUN", help="new run directory (with --preset)")
    train.add_argument("--steps", type=int, help="total training steps (also on --resume)")
    train.add_argument("--batch-size", type=int,
                       help="images per step over all processes (torchrun splits it)")
    train.add_argument("--seed", type=int, help="random seed for init, data order and noise")
    train.add_argument("--device", choices=["auto", "cpu", "cuda"], help="where to train")
    train.add_argument("--data-dir", metavar="DIR", help="read the dataset from DIR")
    train.add_argument("--labels-per-class", type=int, metavar="N",
                       help="semi-supervised presets: labelled training images per class "
                       "(a fixed, balanced subset drawn with the seed)")
    train.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                       help="override any config value (repeatable), e.g. optim.lr_g=1e-4")
    train.add_argument("--precision", choices=["auto", "fp32", "bf16", "fp16"],
                       help="autocast precision (auto: bf16 on GPUs that have it, else fp32; "
                       "fp16 needs CUDA)")
    train.add_argument("--compile", choices=["auto", "true", "false"],
                       help="torch.compile G and D (auto: off; compiling takes 25 s or more, and "
                       "compiled DCGAN steps were 5-8%% slower on a 2-core CPU)")
    train.add_argument("--no-progress", action="store_true",
                       help="print a line per log step instead of a progress bar")

    sample = sub.add_parser("sample", help="draw samples from a trained run",
                            description="Write N samples of a run's generator (its EMA copy "
                            "when present) to an .npz: 'images' as uint8 (N, H, W, C), or "
                            "'points' as float32 (N, 2) for 2-D toy runs.")
    sample.add_argument("run", metavar="RUN")
    sample.add_argument("--n", type=int, default=64, help="number of samples (default 64)")
    sample.add_argument("--out", required=True, metavar="FILE.npz")
    sample.add_argument("--grid", metavar="FILE.png", help="also save a picture of them")
    sample.add_argument("--seed", type=int, default=0, help="latent seed (default 0)")
    sample.add_argument("--no-ema", action="store_true", help="use the raw generator")
    sample.add_argument("--class", dest="class_index", type=int, metavar="C",
                        help="conditional runs: samples of class C only (default: every class "
                        "equally often; the grid then shows one row per class)")
    sample.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    sample.add_argument("--rejection", type=float, metavar="Q",
                        help="keep only samples that the run's D accepts (discriminator rejection "
                        "sampling, Azadi et al. 2019), gamma at quantile Q of a burn-in draw "
                        "(e.g. 0.5; higher keeps fewer); unconditional minimax/non-saturating runs")

    interp = sub.add_parser("interpolate", help="latent walks between random points",
                            description="One row per walk between two random latent points, "
                            "as in the DCGAN paper: smooth changes mean G has not memorised.")
    interp.add_argument("run", metavar="RUN")
    interp.add_argument("--out", required=True, metavar="FILE.png")
    interp.add_argument("--rows", type=int, default=8, help="number of walks (default 8)")
    interp.add_argument("--steps", type=int, default=10, help="images per walk (default 10)")
    interp.add_argument("--mode", choices=["linear", "slerp"], default="linear")
    interp.add_argument("--seed", type=int, default=0)

    evaluate = sub.add_parser(
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
        "  gankit eval runs/demo --features inception --metrics fid,kid --n 5000\n"
        "  gankit eval --real-vs-real fashion-mnist --features fmnist\n"
        "  gankit eval runs/ring --n 2500")
    evaluate.add_argument("run", metavar="RUN", nargs="?", help="the run directory")
    evaluate.add_argument("--real-vs-real", metavar="DATASET",
                          help="instead of a run: train-split images against the test split "
                          "(the floor a perfect generator reaches)")
    evaluate.add_argument("--metrics", metavar="LIST",
                          help="comma-separated: fid,kid,is,pr,dc (default: all the features allow)")
    evaluate.add_argument("--features", choices=["auto", "inception", "fmnist"], default="auto",
                          help="feature extractor (auto: fmnist for Fashion-MNIST, else inception)")
    evaluate.add_argument("--n", "--num-samples", dest="n", type=int,
                          help="samples (default 10000 for images, 2500 for toys); under torchrun "
                          "write --num-samples, since torchrun reads --n as its own option")
    evaluate.add_argument("--seed", type=int, default=0, help="latent and subset seed (default 0)")
    evaluate.add_argument("--batch-size", type=int, default=50, help="images per forward pass")
    evaluate.add_argument("--inception-weights", metavar="PATH",
                          help="Inception weights file (.pt TorchScript or pytorch-fid .pth)")
    evaluate.add_argument("--resize", choices=["tf1-bilinear", "pil-bicubic"], default="tf1-bilinear",
                          help="how images reach 299x299 for Inception (default: as the TF FID code)")
    evaluate.add_argument("--ref-stats", metavar="FILE.npz",
                          help="reference mu/sigma (pytorch-fid format) to use for FID")
    evaluate.add_argument("--save-ref-stats", metavar="FILE.npz",
                          help="also write the reference features' mu/sigma (pytorch-fid format)")
    evaluate.add_argument("--image-size", type=int,
                          help="with --real-vs-real: resize real images to this size first")
    evaluate.add_argument("--data-dir", metavar="DIR", help="with --real-vs-real: read the dataset from DIR")
    evaluate.add_argument("--no-cache", action="store_true", help="recompute reference features")
    evaluate.add_argument("--no-ema", action="store_true", help="use the raw generator")
    evaluate.add_argument("--rejection", type=float, metavar="Q",
                          help="2-D toy runs: measure samples kept by discriminator rejection "
                          "sampling (Azadi et al. 2019), gamma at quantile Q of F over a "
                          "burn-in draw (e.g. 0.5; higher keeps fewer)")

    comp = sub.add_parser("compare", help="train presets over seeds and tabulate them",
                          description="Train each preset for K seeds (runs under "
                          "DIR/PRESET/seed-K; finished runs are reused, interrupted ones "
                          "resumed), measure every run (toy presets: mode coverage; image "
                          "presets: gankit eval's FID, KID, precision/recall, class accuracy of "
                          "conditional runs, test accuracy of semi-supervised runs) and write "
                          "summary.md, summary.csv (mean ± std), results.csv and "
                          "comparison.png (the samples of every run). Seconds are each run's "
                          "training time over all the calls that trained it.")
    comp.add_argument("presets", nargs="+", metavar="PRESET")
    comp.add_argument("--seeds", type=int, default=3, help="seeds per preset (default 3)")
    comp.add_argument("--rejection", type=float, metavar="Q",
                      help="toy presets: also measure each run on the samples D's rejection "
                      "sampling keeps at quantile Q (rows 'PRESET + DRS Q'; see gankit eval)")
    comp.add_argument("--out", required=True, metavar="DIR")
    comp.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                      help="override applied to every preset (repeatable)")
    comp.add_argument("--n", type=int, default=10_000,
                      help="image presets: samples per evaluation (default 10000)")

    sub.add_parser("presets", help="list the presets with a line on each")

    data = sub.add_parser("data", help="dataset utilities")
    data_sub = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    fetch = data_sub.add_parser("fetch", help="download a dataset into the user cache "
                                "(checked against SHA-256)")
    fetch.add_argument("name", choices=["fashion-mnist", "mnist", "cifar10"])
    return parser


def _completed_steps(run_dir: Path) -> int:
    from gankit.train.checkpoint import latest_checkpoint, load_state

    checkpoint = latest_checkpoint(run_dir)
    return int(load_state(checkpoint)["step"]) if checkpoint else 0


def _cmd_train(args: argparse.Namespace) -> None:
    from gankit.presets import load_preset
    from gankit.runs import CONFIG_FILE, load_run_config, require_run, write_config
    from gankit.runtime.distributed import barrier
    from gankit.runtime.settings import join_world
    from gankit.train import train

    if args.resume:
        run_dir = require_run(args.resume)
        fixed = {"--out": args.out, "--batch-size": args.batch_size, "--seed": args.seed,
                 "--data-dir": args.data_dir, "--labels-per-class": args.labels_per_class,
                 "--set": args.set or None}
        given = [flag for flag, value in fixed.items() if value is not None]
        if given:
            raise GankitError(f"{given[0]} cannot change when resuming (only --steps, --device)")
        cfg = load_run_config(run_dir)
        done = _completed_steps(run_dir)
        if args.steps is not None and args.steps < done:
            raise GankitError(f"--steps {args.steps} is below the {done} steps {run_dir} has done")
        if any(v is not None for v in (args.steps, args.device, args.precision, args.compile)):
            cfg.train.steps = args.steps or cfg.train.steps
            cfg.train.device = args.device or cfg.train.device
            cfg.train.precision = args.precision or cfg.train.precision
            cfg.train.compile = args.compile or cfg.train.compile
            if join_world(cfg).is_main:
                write_config(run_dir, cfg, "resumed with new steps/device/precision/compile")
    else:
        if not args.out:
            raise GankitError("--out RUN is needed with --preset (the new run directory)")
        run_dir = Path(args.out)
        if (run_dir / CONFIG_FILE).exists():
            raise GankitError(f"{run_dir} already holds a run; continue it with "
                              f"--resume {run_dir} or choose another --out")
        overrides = list(args.set)
        for key, value in (("train.steps", args.steps), ("train.batch_size", args.batch_size),
                           ("train.seed", args.seed), ("data.labels_per_class", args.labels_per_class)):
            if value is not None:
                overrides.append(f"{key}={value}")
        for key, value in (("train.device", args.device), ("train.precision", args.precision),
                           ("train.compile", args.compile)):
            if value:
                overrides.append(f'{key}="{value}"')
        if args.data_dir:
            overrides.append(f'data.root="{args.data_dir}"')
        cfg = load_preset(args.preset, overrides)
        join_world(cfg)
    barrier()  # under torchrun: every rank has checked the run directory before rank 0 writes
    progress = False if args.no_progress else None
    result = train(cfg, run_dir, resume=bool(args.resume), progress=progress)
    if join_world(cfg).is_main:
        print(f"{run_dir}: step {result.step} ({result.seconds:.0f} s, "
              f"{result.images_per_second:.0f} img/s); samples in {run_dir}/samples, "
              f"losses in {run_dir}/losses.png")



def _cmd_sample(args: argparse.Namespace) -> None:
    import numpy as np
    import torch

    from gankit.images import save_grid, save_scatter, to_uint8
    from gankit.runs import load_generator
    from gankit.sampling import generate, is_conditional, latents

    if args.n <= 0:
        raise GankitError(f"--n must be positive, got {args.n}")
    gen = load_generator(args.run, ema=not args.no_ema, device=args.device)
    labels = None
    if is_conditional(gen):
        k = gen.num_classes
        if args.class_index is not None and not 0 <= args.class_index < k:
            raise GankitError(f"--class {args.class_index} is out of range: {args.run} has classes 0-{k - 1}")
        if args.class_index is not None:
            labels = torch.full((args.n,), args.class_index)
        else:  # class-major order: the grid shows one row per class
            labels = torch.arange(args.n) * k // args.n
    elif args.class_index is not None:
        raise GankitError(f"--class: {args.run} is not a conditional run")
    if args.rejection is not None:
        from gankit.rejection import rejection_sample_run

        out, kept = rejection_sample_run(args.run, gen, args.n, args.seed, args.rejection, args.device)
        print(f"rejection sampling at quantile {args.rejection} kept {100 * kept:.1f}% of G's samples")
    else:
        out = generate(gen, latents(args.n, gen.latent_dim, args.seed), labels=labels)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    if out.ndim == 2:
        points = out.numpy().astype(np.float32)
        np.savez_compressed(args.out, points=points)
        if args.grid:
            save_scatter(points, args.grid, title=f"{args.n} samples")
    else:
        images = to_uint8(out)
        arrays = {"images": images}
        if labels is not None:
            arrays["labels"] = labels.numpy().astype(np.int64)
        np.savez_compressed(args.out, **arrays)
        if args.grid:
            nrow = None
            if labels is not None and args.class_index is None:  # one row per class
                nrow = max(1, args.n // gen.num_classes)
                rows = [np.flatnonzero(arrays["labels"] == c)[:nrow] for c in range(gen.num_classes)]
                images = np.concatenate([images[r] for r in rows if len(r)])
            save_grid(images, args.grid, nrow=nrow, scale=2 if images.shape[1] <= 32 else 1)
    print(f"wrote {args.n} samples to {args.out}" + (f" and {args.grid}" if args.grid else ""))


def _cmd_interpolate(args: argparse.Namespace) -> None:
    from gankit.images import save_grid, to_uint8
    from gankit.runs import load_generator
    from gankit.sampling import generate, interpolation_latents

    if args.rows <= 0 or args.steps < 2:
        raise GankitError("--rows must be positive and --steps at least 2")
    gen = load_generator(args.run)
    if len(gen.output_shape) != 3:
        raise GankitError(f"{args.run} generates 2-D points; interpolate draws images")
    z = interpolation_latents(gen.latent_dim, args.rows, args.steps, args.seed, args.mode)
    labels = None  # conditional runs: walk r keeps class r mod K
    if getattr(gen, "conditional", False):
        import torch

        labels = (torch.arange(args.rows) % gen.num_classes).repeat_interleave(args.steps)
    images = to_uint8(generate(gen, z, labels=labels))
    save_grid(images, args.out, nrow=args.steps, scale=2 if images.shape[1] <= 32 else 1)
    print(f"wrote {args.rows} latent walks of {args.steps} steps to {args.out}")


def _cmd_eval(args: argparse.Namespace) -> None:
    from gankit.evaluate import ImageEvalOptions, evaluate_real_vs_real, evaluate_run

    if (args.run is None) == (args.real_vs_real is None):
        raise GankitError("give either a RUN directory or --real-vs-real DATASET")
    if args.n is not None and args.n < 2:
        raise GankitError(f"--n must be at least 2, got {args.n}")
    if args.batch_size < 1:
        raise GankitError(f"--batch-size must be positive, got {args.batch_size}")
    opts = ImageEvalOptions(
        metrics=args.metrics.split(",") if args.metrics else None, features=args.features,
        seed=args.seed, batch_size=args.batch_size, inception_weights=args.inception_weights,
        resize=args.resize, ref_stats=args.ref_stats, use_cache=not args.no_cache,
        progress=sys.stderr.isatty())
    if args.n is not None:
        opts.n = args.n
    world = _eval_world()
    opts.progress = opts.progress and world.is_main
    if args.real_vs_real:
        if not world.is_main:
            return  # real images only: nothing to share out
        result = evaluate_real_vs_real(args.real_vs_real, opts, args.image_size, args.data_dir or "")
    else:
        result = evaluate_run(args.run, args.n, args.seed, opts, ema=not args.no_ema,
                              rejection=args.rejection)
    if not world.is_main:
        return  # rank 0 gathered every rank's features and reports
    _print_eval(result)
    if args.save_ref_stats:
        _save_reference_statistics(args, opts)


def _eval_world():
    """Under torchrun, join a gloo group: each rank then embeds its share of the samples."""
    from gankit.runtime.distributed import World, init_world, launched_by_torchrun

    return init_world("gloo", "cpu") if launched_by_torchrun() else World()


def _print_eval(result: dict) -> None:
    from gankit.evaluate import describe

    for warning in result.get("warnings", []):
        print(f"gankit: warning: {warning}", file=sys.stderr)
    print(describe(result))


def _save_reference_statistics(args: argparse.Namespace, opts) -> None:
    from gankit.evaluate import NATIVE_SIZE, make_extractor, reference_images
    from gankit.metrics.reference import export_statistics, reference_features
    from gankit.runs import load_run_config

    if args.real_vs_real:
        from gankit.config import DataConfig

        data = DataConfig(dataset=args.real_vs_real, root=args.data_dir or "",
                          image_size=args.image_size or NATIVE_SIZE[args.real_vs_real])
    else:
        data = load_run_config(args.run).data
    images, _ = reference_images(data, opts.n, opts.reference_split)
    feats = reference_features(images, make_extractor(opts, data.dataset), opts.batch_size,
                               opts.progress, opts.use_cache)
    print(f"reference statistics written to {export_statistics(feats.features, args.save_ref_stats)}")


def _cmd_compare(args: argparse.Namespace) -> None:
    from gankit.compare import compare

    if args.seeds < 1:
        raise GankitError(f"--seeds must be positive, got {args.seeds}")
    if args.n < 2:
        raise GankitError(f"--n must be at least 2, got {args.n}")
    compare(args.presets, args.seeds, args.out, args.set, eval_n=args.n, rejection=args.rejection)
    print((Path(args.out) / "summary.md").read_text(), end="")
    print(f"tables and comparison.png in {args.out}")


def _cmd_presets(args: argparse.Namespace) -> None:
    from gankit.presets import describe_presets

    rows = describe_presets()
    width = max(len(name) for name, _ in rows)
    for name, description in rows:
        print(f"{name:<{width}}  {description}")


def _cmd_data(args: argparse.Namespace) -> None:
    from gankit.data import cifar, mnist

    if args.name == "cifar10":
        folder = cifar.fetch()
    else:
        folder = mnist.fetch(mnist.IDX_DATASETS[args.name])
    print(f"{args.name} is in {folder}")


COMMANDS = {"train": _cmd_train, "sample": _cmd_sample, "interpolate": _cmd_interpolate,
            "eval": _cmd_eval, "compare": _cmd_compare, "presets": _cmd_presets,
            "data": _cmd_data}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        COMMANDS[args.command](args)
    except TrainingInterrupted as err:
        print(f"gankit: stopped: {err}", file=sys.stderr)
        return err.exit_code
    except GankitError as err:
        print(f"gankit: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("gankit: interrupted", file=sys.stderr)
        return 130
    finally:
        if "gankit.runtime.distributed" in sys.modules:  # a torchrun process group was joined
            sys.modules["gankit.runtime.distributed"].close_world()
    return 0
