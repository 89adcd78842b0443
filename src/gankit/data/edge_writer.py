"""`gankit data edges`: an edges -> image dataset written as A/ B/ folders of PNGs."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

from gankit.config import DataConfig
from gankit.data.edges import CannySettings, check_settings, edge_pairs
from gankit.data.source import build_source
from gankit.errors import GankitError
from gankit.inference.images_io import write_images

LABELLED = ("fashion-mnist", "mnist", "cifar10")


def write_edge_dataset(of: str, out: str | Path, size: int, sigma: float, low: float, high: float,
                       limit: int | None = None, held_out: float = 0.1) -> tuple[Path, dict[str, int]]:
    settings = CannySettings(sigma, low, high)
    check_settings(settings)
    if of in LABELLED:
        base = DataConfig(dataset=of, image_size=size)
    elif Path(of).is_dir():
        base = DataConfig(dataset="folder", root=str(Path(of).resolve()), image_size=size,
                          channels=0 or 3, held_out=held_out)
    else:
        raise GankitError(f"--of {of}: not {', '.join(LABELLED)} nor a folder of images")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise GankitError(f"{out} exists and is not empty; choose another --out")
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    counts = {}
    for split in ("train", "test"):
        source = build_source(replace(base, split=split))
        n = min(len(source), limit or len(source))
        images = (source.fields["image"][:n] if source.fields is not None
                  else source.first(n)["image"])
        names = [f"{i:06d}" for i in range(n)]
        write_images(edge_pairs(images, settings), names, tmp / "A" / split)
        write_images(images, names, tmp / "B" / split)
        counts[split] = n
    record = {"of": of, "size": size, "counts": counts, "edges": settings.record(),
              "layout": "A/{split}/NAME.png = edges, B/{split}/NAME.png = image"}
    (tmp / "dataset.json").write_text(json.dumps(record, indent=1) + "\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        out.rmdir()
    os.replace(tmp, out)
    return out, counts
