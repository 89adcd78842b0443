"""gankit translate: a trained translator over an image or a folder of them."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser("translate", help="translate images with a trained translator (run or export)",
                       description="Run a translator (pix2pix, CycleGAN, ...) over IMAGE or every image "
                       "under DIR and write the results as PNGs under OUT with the same relative "
                       "names. Inputs are resized to the model's input size; an image of the wrong "
                       "channel count (colour for a grayscale model, or the reverse) is refused.")
    p.add_argument("run", metavar="RUN", help="a run directory or an export")
    p.add_argument("--input", required=True, metavar="IMAGE|DIR")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--model", "--direction", dest="model", metavar="NAME",
                   help="which translator of the run (CycleGAN: AB or BA; default: the first)")
    p.add_argument("--test-mode", choices=["eval", "train"],
                   help="G deterministic (eval) or with dropout and batch statistics on (train); "
                   "default: the run's recipe option")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--seed", type=int, default=0, help="dropout seed for --test-mode train")
    p.add_argument("--no-ema", action="store_true", help="use the raw weights")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])


def run(args: argparse.Namespace) -> None:
    import dataclasses

    from gankit.errors import GankitError
    from gankit.inference import Translator, load

    if args.batch_size < 1:
        raise GankitError(f"--batch-size must be positive, got {args.batch_size}")
    translator = load(args.run, model=args.model, ema=not args.no_ema, device=args.device)
    if not isinstance(translator, Translator):
        raise GankitError(f"{args.run}: its model {args.model or ''} is not a translator; use gankit sample")
    if args.test_mode:
        translator = dataclasses.replace(translator, test_mode=args.test_mode)
    written = translator.translate_folder(args.input, args.out, args.batch_size, seed=args.seed)
    print(f"translated {len(written)} image{'s' if len(written) != 1 else ''} into {args.out} "
          f"(test mode {translator.test_mode})")
