"""Tiled super-resolution of a large photo: peak memory and time of upscaling it tile by tile,
and a check that tiling changes nothing (tiled vs untiled on a crop that fits in memory).

    python benchmarks/upscale_memory.py [--model RUN] [--side 2000] [--crop 400] [--tile 192]

The net is a trained SRResNet run or export (`--model`), or else one of the srresnet-x4
preset's size with seeded random weights (memory and time do not depend on the weights).
The photo is a held-out installed one (or `--photo`), resized so its long side is `--side`
pixels, and is upscaled ×scale. Each measurement runs in a fresh process, whose peak resident
memory (ru_maxrss) is reported beside the same process's footprint before upscaling. The last
line is JSON.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import time

import numpy as np
import torch


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _net(args: argparse.Namespace):
    if args.model:
        from gankit.inference import load

        translator = load(args.model)
        return translator.net.eval(), translator.scale
    from gankit.nets.srresnet import SRResNet

    torch.manual_seed(0)
    return SRResNet(3, 3, 4, width=args.width, blocks=args.blocks).eval(), 4


def _photo(args: argparse.Namespace) -> torch.Tensor:
    from PIL import Image

    from gankit.data.photos import installed_photos

    path = args.photo or installed_photos("test")[0]
    with Image.open(path) as image:
        image = image.convert("RGB")
        factor = args.side / max(image.size)
        image = image.resize((round(image.width * factor), round(image.height * factor)), Image.BICUBIC)
    return torch.from_numpy(np.asarray(image).copy()).permute(2, 0, 1).float().div(127.5).sub(1)


def _child(args: argparse.Namespace, mode: str, queue) -> None:
    from gankit.inference.upscale import upscale

    if args.threads:
        torch.set_num_threads(args.threads)
    net, scale = _net(args)
    image = _photo(args)
    if mode != "full":
        image = image[:, :args.crop, :args.crop]
    before = _peak_mib()
    start = time.perf_counter()
    out = upscale(net, image, scale, tile=0 if mode == "crop-untiled" else args.tile, overlap=args.overlap)
    seconds = time.perf_counter() - start
    result = {"mode": mode, "input": list(image.shape[1:]), "output": list(out.shape[1:]), "seconds": seconds,
              "peak_mib": _peak_mib(), "before_mib": before}
    if mode != "full":
        result["out"] = out.numpy()
    queue.put(result)


def _measure(args: argparse.Namespace, mode: str) -> dict:
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(args, mode, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="an SRResNet/SRGAN run or export (default: random weights)")
    parser.add_argument("--photo", help="an image file (default: a held-out installed photo)")
    parser.add_argument("--side", type=int, default=2000, help="long side of the input in pixels")
    parser.add_argument("--crop", type=int, default=400,
                        help="LR crop for the tiled-vs-untiled check (more than tile + 2 overlaps)")
    parser.add_argument("--tile", type=int, default=192)
    parser.add_argument("--overlap", type=int, default=40)
    parser.add_argument("--width", type=int, default=32, help="random net: channels (preset: 32)")
    parser.add_argument("--blocks", type=int, default=8, help="random net: residual blocks (preset: 8)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.crop <= args.tile + 2 * args.overlap:
        parser.error(f"--crop {args.crop} fits in one tile of {args.tile} + 2 x {args.overlap}: "
                     "nothing to compare")
    full = _measure(args, "full")
    tiled, untiled = _measure(args, "crop-tiled"), _measure(args, "crop-untiled")
    difference = float(np.abs(tiled.pop("out") - untiled.pop("out")).max())
    for row in (full, tiled, untiled):
        (h, w), (big_h, big_w) = row["input"], row["output"]
        print(f"{row['mode']:>13}: {w}x{h} -> {big_w}x{big_h} in {row['seconds']:.1f} s, "
              f"peak {row['peak_mib']:.0f} MiB (before upscaling {row['before_mib']:.0f})")
    print(f"tiled vs untiled on the crop: max |difference| {difference:.2e}")
    from gankit.provenance import machine

    print(json.dumps({"full": full, "crop_tiled": tiled, "crop_untiled": untiled,
                      "max_difference": difference, "tile": args.tile, "overlap": args.overlap,
                      "model": args.model or "random",
                      "machine": machine()}))


if __name__ == "__main__":
    main()
