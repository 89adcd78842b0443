"""Does a glyph translator's output help OCR? A character classifier trained on real fonts only,
and on the same plus the translator's glyphs in new styles, both tested on the real glyphs of
fonts neither the classifier nor the translator saw.

    .venv/bin/python scripts/ocr_benefit.py --model runs/kai --real wqy-microhei --reference ukai \
        --test lxgw-wenkai noto-serif-sc hanamin seto uming --chars 300 --seeds 0 1 2 3 4

Characters: the first --chars of the GB2312 test split (index % 10 == 0), which the translator
never saw in any target font. Generated glyphs: `gankit translate --chars` of the model
(every style of a zi2zi model; --codes random codes of a BicycleGAN). Prints a table and one
JSON line per seed, and the mean ± std of each accuracy: real fonts only; real fonts only
trained for as many updates as with the generated glyphs added (so that a gain is the data's,
not more steps'); real + generated; with --reference, real + the true glyphs of a real font
in the target style.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from gankit.data.fonts import character_split, charset, resolve_font
from gankit.data.glyphs import render_font
from gankit.evaluate.ocr import to_input, train_and_test
from gankit.inference.glyph_writer import write_glyph_dataset


def test_chars(n: int) -> str:
    chars, _ = charset("gb2312")
    return "".join(c for i, c in enumerate(chars) if character_split(i) == "test")[:n]


def real_glyphs(fonts: list[str], chars: str) -> tuple[torch.Tensor, torch.Tensor]:
    xs, ys = [], []
    for name in fonts:
        images, available, _ = render_font(resolve_font(name), chars, 64, 4)
        xs.append(to_input(images[available]))
        ys.append(torch.from_numpy(np.flatnonzero(available)))
    return torch.cat(xs), torch.cat(ys)


def _gray(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("L"))


def generated_glyphs(model: str, chars: str, codes: int) -> tuple[torch.Tensor, torch.Tensor, int]:
    index = {c: i for i, c in enumerate(chars)}
    with tempfile.TemporaryDirectory() as out:
        write_glyph_dataset(model, chars, out, codes=codes)
        with open(Path(out) / "labels.csv", newline="") as handle:
            rows = list(csv.DictReader(handle))
        images = np.stack([_gray(Path(out) / r["file"]) for r in rows])
        styles = len({r["style"] for r in rows})
    return to_input(images), torch.tensor([index[r["char"]] for r in rows]), styles


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="a glyph translator run or export (zi2zi, BicycleGAN)")
    parser.add_argument("--real", nargs="+", default=["wqy-microhei", "ukai", "uming"])
    parser.add_argument("--test", nargs="+", default=["noto-serif-sc", "hanamin", "lxgw-wenkai"])
    parser.add_argument("--chars", type=int, default=300)
    parser.add_argument("--codes", type=int, default=8, help="random codes of a latent model")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--reference", help="a real font in the translator's target style: also train on "
                        "real + its true glyphs (what a perfect translator would add)")
    args = parser.parse_args(argv)
    overlap = set(args.real + ([args.reference] if args.reference else [])) & set(args.test)
    if overlap:
        parser.error(f"fonts both trained and tested on: {', '.join(sorted(overlap))}")
    chars = test_chars(args.chars)
    real_x, real_y = real_glyphs(args.real, chars)
    test_x, test_y = real_glyphs(args.test, chars)
    gen_x, gen_y, styles = generated_glyphs(args.model, chars, args.codes)
    reference = real_glyphs([args.reference], chars) if args.reference else None
    matched_epochs = round(args.epochs * (len(real_x) + len(gen_x)) / len(real_x))
    keys = ["real_only", "real_only_same_updates", "real_plus_generated"]
    rows = []
    for seed in args.seeds:
        alone = train_and_test(real_x, real_y, test_x, test_y, len(chars), seed, args.epochs)
        both = train_and_test(torch.cat([real_x, gen_x]), torch.cat([real_y, gen_y]), test_x, test_y,
                              len(chars), seed, args.epochs)
        # the same number of updates as with the generated glyphs added: more data, not more steps
        matched = train_and_test(real_x, real_y, test_x, test_y, len(chars), seed, matched_epochs)
        row = {"seed": seed, "real_only": alone.accuracy, "real_only_same_updates": matched.accuracy,
               "real_plus_generated": both.accuracy,
               "real_images": len(real_x), "generated_images": len(gen_x), "generated_styles": styles,
               "test_images": len(test_x), "chars": len(chars), "real_fonts": args.real,
               "test_fonts": args.test, "model": args.model, "epochs": args.epochs}
        if reference is not None:
            row["real_plus_reference"] = train_and_test(
                torch.cat([real_x, reference[0]]), torch.cat([real_y, reference[1]]), test_x, test_y,
                len(chars), seed, args.epochs).accuracy
        rows.append(row)
        print(json.dumps(row))
    for key in keys + (["real_plus_reference"] if reference is not None else []):
        values = [r[key] for r in rows]
        spread = statistics.pstdev(values) if len(values) > 1 else 0.0
        print(f"{key:>20}: {statistics.mean(values):.4f} ± {spread:.4f} over {len(values)} seeds")
    return rows


if __name__ == "__main__":
    main()
