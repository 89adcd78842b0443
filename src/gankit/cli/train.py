"""gankit train: a preset into a new run directory, or an interrupted run resumed."""

from __future__ import annotations

import argparse

from gankit.errors import GankitError

FOLDER_PRESET = "dcgan-folder"  # what `gankit train --data DIR` trains


def add_parser(sub) -> None:
    p = sub.add_parser(
        "train", help="train a preset into a run directory, or resume one",
        description="Train a model from a preset (gankit presets lists them) into a run "
        "directory, or continue an interrupted run exactly where it stopped.")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--preset", metavar="NAME", help="preset name, or a path to a .toml file")
    what.add_argument("--resume", metavar="RUN", help="continue the run in RUN")
    p.add_argument("--data", metavar="DIR", help=f"train on the images of folder DIR: with the "
                   f"{FOLDER_PRESET} preset, or with --preset's nets and training")
    p.add_argument("--out", metavar="RUN", help="new run directory (with --preset)")
    p.add_argument("--steps", type=int, help="total training steps (also on --resume)")
    p.add_argument("--batch-size", type=int,
                   help="examples per step over all processes (torchrun splits it)")
    p.add_argument("--seed", type=int, help="random seed for init, data order and noise")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], help="where to train")
    p.add_argument("--data-dir", metavar="DIR", help="read the dataset from DIR (on --resume: the "
                   "run's dataset moved there; it is checked to be the same data)")
    p.add_argument("--labels-per-class", type=int, metavar="N",
                   help="semi-supervised presets: labelled training images per class "
                   "(a fixed, balanced subset drawn with the seed)")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override any config value (repeatable), e.g. optim.lr.G=1e-4; on --resume "
                   "only learning rates, steps, device, precision and logging settings")
    p.add_argument("--precision", choices=["auto", "fp32", "bf16", "fp16"],
                   help="autocast precision (auto: bf16 where measured faster, i.e. conv nets on a "
                   "CPU whose one-second probe says so, or compiled nets on a bf16 GPU; else fp32. "
                   "fp16 needs CUDA)")
    p.add_argument("--compile", choices=["auto", "true", "false"],
                   help="torch.compile the nets (auto: off; compiling takes 25 s or more, and "
                   "compiled DCGAN steps were 5-8%% slower on a 2-core CPU)")
    p.add_argument("--no-progress", action="store_true",
                   help="print a line per log step instead of a progress bar")
    p.add_argument("--force", action="store_true",
                   help="train into an --out folder that already holds other files")
    p.add_argument("--dry-run", action="store_true",
                   help="print the resolved config the run would use, and what data it finds, "
                   "without training or writing anything")


def run(args: argparse.Namespace) -> None:
    from gankit.launch import new_run, resumed_run
    from gankit.runtime.distributed import barrier
    from gankit.runtime.settings import join_world
    from gankit.train import train

    if not (args.preset or args.resume or args.data):
        raise GankitError("say what to train: --preset NAME, --data DIR (your images) or --resume RUN")
    runtime = {"device": args.device, "precision": args.precision, "compile": args.compile}
    if args.resume:
        fixed = {"--out": args.out, "--batch-size": args.batch_size, "--seed": args.seed,
                 "--data": args.data, "--labels-per-class": args.labels_per_class}
        given = [flag for flag, value in fixed.items() if value is not None]
        if given:
            raise GankitError(f"{given[0]} cannot change when resuming (only --steps, --device, "
                              "--precision, --compile, --set of learning rates and logging, and "
                              "--data-dir for a dataset that moved)")
        cfg, run_dir = resumed_run(args.resume, args.data_dir, args.set, steps=args.steps, **runtime)
    else:
        if args.data and args.data_dir:
            raise GankitError("--data DIR and --data-dir DIR are alternatives: give one")
        values = {"train.steps": args.steps, "train.batch_size": args.batch_size,
                  "train.seed": args.seed, "data.labels_per_class": args.labels_per_class,
                  "data.root": args.data_dir or args.data, **{f"train.{k}": v for k, v in runtime.items()}}
        if args.data:
            values["data.dataset"] = "folder"
        cfg, run_dir = new_run(args.preset or FOLDER_PRESET, args.out, args.set,
                               {k: v for k, v in values.items() if v is not None}, args.force)
    if args.dry_run:
        from gankit.launch import describe_start

        print(describe_start(cfg, run_dir, resume=bool(args.resume)))
        return
    world = join_world(cfg)
    barrier()  # under torchrun: every rank has checked the run directory before rank 0 writes
    result = train(cfg, run_dir, resume=bool(args.resume), progress=False if args.no_progress else None)
    if world.is_main:
        board = (f"; TensorBoard: tensorboard --logdir {run_dir}/tensorboard"
                 if cfg.train.tensorboard else "")
        print(f"{run_dir}: step {result.step} ({result.seconds:.0f} s, "
              f"{result.images_per_second:.0f} img/s); pictures in {run_dir}/samples, "
              f"losses in {run_dir}/losses.png{board}")
