"""gankit data: fetch datasets, render glyph datasets, make edge datasets."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    from gankit.data.fonts import FONTS

    p = sub.add_parser("data", help="dataset utilities: fetch, glyphs, edges")
    actions = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    fetch = actions.add_parser("fetch", help="download a dataset into the user cache "
                               "(checked against SHA-256)")
    fetch.add_argument("name", choices=["fashion-mnist", "mnist", "cifar10"])
    names = ", ".join(f"{f.name} ({f.package})" for f in FONTS.values())
    glyphs = actions.add_parser(
        "glyphs", help="render a charset in a source font and target fonts (a paired dataset)",
        description="Render every character of a charset in the source font and each target font: "
        "drawn large, cropped to its ink, scaled to fit the canvas with a margin, centred, black on "
        "white. Glyphs a font lacks, draws empty or draws as its placeholder box are masked out and "
        "counted. The character split (every tenth from the first: test; from the sixth: val; the "
        f"rest: train) is recorded. Fonts by name: {names}, dejavu-sans; or a .ttf/.otf/.ttc path "
        "(PATH:N for face N of a collection). Train on it with data.dataset = \"glyphs\" and "
        "data.root = OUT.")
    glyphs.add_argument("--source", required=True, metavar="FONT")
    glyphs.add_argument("--target", action="append", required=True, metavar="FONT",
                        help="a target font (repeat for several: each is a style)")
    glyphs.add_argument("--charset", default="gb2312",
                        help="gb2312 (6,763 hanzi in code order), ascii, chars:STRING, or a UTF-8 file")
    glyphs.add_argument("--size", type=int, default=64, help="canvas pixels a side (default 64)")
    glyphs.add_argument("--margin", type=int, help="empty pixels around the ink (default size / 16)")
    glyphs.add_argument("--out", required=True, metavar="DIR")
    edges = actions.add_parser(
        "edges", help="an edges -> image paired dataset from a dataset or an image folder",
        description="Canny edges of each image (Gaussian blur, Sobel gradients, non-maximum "
        "suppression, hysteresis at fractions of each image's largest gradient) as A, the image "
        "as B, written as OUT/A/{train,test}/ and OUT/B/{train,test}/ with the detector's "
        "settings in OUT/dataset.json (train on it with data.dataset = \"paired\").")
    edges.add_argument("--of", required=True, metavar="DATASET|DIR",
                       help="fashion-mnist, mnist, cifar10, or a folder of images")
    edges.add_argument("--out", required=True, metavar="DIR")
    edges.add_argument("--size", type=int, default=32, help="image pixels a side (default 32)")
    edges.add_argument("--limit", type=int, help="at most this many images per split")
    edges.add_argument("--held-out", type=float, default=0.1,
                       help="a folder's fraction held out as its test split (default 0.1)")
    for name, default in (("--sigma", 1.0), ("--low", 0.1), ("--high", 0.2)):
        edges.add_argument(name, type=float, default=default, help=f"Canny {name[2:]} (default {default})")


def run(args: argparse.Namespace) -> None:
    if args.data_command == "fetch":
        from gankit.data import cifar, mnist

        folder = cifar.fetch() if args.name == "cifar10" else mnist.fetch(mnist.IDX_DATASETS[args.name])
        print(f"{args.name} is in {folder}")
    elif args.data_command == "glyphs":
        import sys

        from gankit.data.glyphs import load_glyphs, render_dataset

        margin = args.size // 16 if args.margin is None else args.margin
        out = render_dataset(args.source, args.target, args.charset, args.size, margin, args.out,
                             progress=sys.stderr.isatty())
        _, meta = load_glyphs(out)
        fonts = "; ".join(f"{f['name']} {f['available']} available" for f in meta["fonts"])
        print(f"rendered {meta['characters']} characters into {out} ({fonts}; split "
              f"{meta['split_counts']})")
    else:
        from gankit.data.edge_writer import write_edge_dataset

        out, counts = write_edge_dataset(args.of, args.out, args.size, args.sigma, args.low, args.high,
                                         args.limit, args.held_out)
        print(f"wrote edge pairs into {out} ({', '.join(f'{k} {v}' for k, v in counts.items())})")
