"""gankit translate: a trained translator over an image or a folder of them."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser("translate", help="translate images with a trained translator (run or export)",
                       description="Run a translator (pix2pix, CycleGAN, ...) over IMAGE or every image "
                       "under DIR and write the results as PNGs under OUT with the same relative "
                       "names. Inputs are resized to the model's input size (super-resolution models "
                       "take any size and upscale it tile by tile); an image of the wrong "
                       "channel count (colour for a grayscale model, or the reverse) is refused.")
    p.add_argument("run", metavar="RUN", help="a run directory or an export")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", metavar="IMAGE|DIR", help="an image or a folder of them")
    source.add_argument("--chars", metavar="TEXT|FILE",
                        help="glyph models: characters (or a text file of them) rendered in the font "
                        "the model reads, translated into each style and written as OUT/STYLE/UXXXX.png "
                        "with OUT/labels.csv: a labelled dataset, e.g. for an OCR classifier")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--model", "--direction", dest="model", metavar="NAME",
                   help="which translator of the run (CycleGAN: AB or BA; default: the first)")
    p.add_argument("--test-mode", choices=["eval", "train"],
                   help="G deterministic (eval) or with dropout and batch statistics on (train); "
                   "default: the run's recipe option")
    p.add_argument("--style", metavar="ID", action="append", type=int,
                   help="models of several styles (zi2zi): which style id (repeatable; --chars default: "
                   "every style)")
    p.add_argument("--codes", type=int, default=8,
                   help="--chars with a latent model (BicycleGAN): how many random codes (styles) to write")
    p.add_argument("--style-from", metavar="DIR",
                   help="--chars with a latent model: write in the style of these example glyph images "
                   "(their mean code under the model's encoder)")
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
    if args.chars is not None:
        from gankit.inference.glyph_writer import read_chars, write_glyph_dataset

        written, skipped = write_glyph_dataset(args.run, read_chars(args.chars), args.out, args.model,
                                               args.style, args.batch_size, args.codes, args.style_from,
                                               args.seed)
        lacking = f"; {skipped} characters not in the input font skipped" if skipped else ""
        print(f"wrote {written} glyph images and labels.csv into {args.out}{lacking}")
        return
    translator = load(args.run, model=args.model, ema=not args.no_ema, device=args.device)
    if not isinstance(translator, Translator):
        raise GankitError(f"{args.run}: its model {args.model or ''} is not a translator; use gankit sample")
    if args.test_mode:
        translator = dataclasses.replace(translator, test_mode=args.test_mode)
    if args.style and len(args.style) > 1:
        raise GankitError("--input translates into one --style at a time")
    style = args.style[0] if args.style else None
    if translator.num_styles is not None and style is None:
        raise GankitError(f"this model writes {translator.num_styles} styles: choose one with --style ID")
    if style is not None and translator.num_styles is not None and not 0 <= style < translator.num_styles:
        raise GankitError(f"--style {style}: this model writes styles 0-{translator.num_styles - 1}")
    written = translator.translate_folder(args.input, args.out, args.batch_size, seed=args.seed, style=style)
    print(f"translated {len(written)} image{'s' if len(written) != 1 else ''} into {args.out} "
          f"(test mode {translator.test_mode})")
