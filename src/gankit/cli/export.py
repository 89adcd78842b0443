"""gankit export: a run's models as a self-describing folder that `gankit.load` reads."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser("export", help="write a run's models into a self-describing folder",
                       description="Write RUN's latest models into a folder: model_index.json "
                       "(what each model does, its nets, latent size, classes, image shape) and, "
                       "per net, config.json (its constructor arguments) and model.safetensors "
                       "(EMA weights where kept). gankit.load(FOLDER) and every command that "
                       "takes a RUN read it without the training config or code.")
    p.add_argument("run", metavar="RUN")
    p.add_argument("--out", metavar="DIR", help="the folder to write (default: RUN/export)")
    p.add_argument("--no-ema", action="store_true", help="export the raw weights, not the EMA ones")


def run(args: argparse.Namespace) -> None:
    from gankit.inference.exporter import export

    folder = export(args.run, args.out, ema=not args.no_ema)
    print(f"exported {args.run} to {folder}")
