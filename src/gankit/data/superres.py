"""The super-resolution dataset: HR photos held in memory (shrunk to data.superres.max_side),
each drawn as a random HR crop with its LR version made by bicubic downscaling with
antialiasing (torch's, recorded in the dataset's name); held-out photos give their central
test_crop. Fields: A = LR (C, crop/scale, crop/scale), B = HR (C, crop, crop)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from gankit.config import DataConfig
from gankit.data.batch import DataSpec
from gankit.data.source import Source
from gankit.errors import GankitError

DOWNSCALE = "bicubic, antialiased (torch.nn.functional.interpolate)"


def downscale(hr: torch.Tensor, scale: int) -> torch.Tensor:
    """LR of HR images (N, C, H, W in [-1, 1]), H and W multiples of `scale`."""
    lr = F.interpolate(hr, scale_factor=1 / scale, mode="bicubic", antialias=True, align_corners=False)
    return lr.clamp_(-1.0, 1.0)


@dataclass(frozen=True)
class SRCrop:
    """Photo -> (LR, HR) crop: random place and flip when drawn with a generator; the centre
    (of `test_size`) without one."""

    size: int
    scale: int
    test_size: int = 0

    random = True

    def __call__(self, fields: dict[str, torch.Tensor],
                 rng: torch.Generator | None) -> dict[str, torch.Tensor]:
        photo = fields["photo"]
        size = self.size if rng is not None else (self.test_size or self.size)
        h, w = photo.shape[-2:]
        if h < size or w < size:
            raise GankitError(f"a photo of {w}x{h} is smaller than the {size}-px crop")
        if rng is None:
            top, left, flip = (h - size) // 2, (w - size) // 2, False
        else:
            top = int(torch.randint(h - size + 1, (1,), generator=rng))
            left = int(torch.randint(w - size + 1, (1,), generator=rng))
            flip = bool(torch.rand(1, generator=rng) < 0.5)
        hr = photo[:, top:top + size, left:left + size].float().div(127.5).sub(1.0)
        if flip:
            hr = hr.flip(-1)
        return {"A": downscale(hr[None], self.scale)[0], "B": hr}


class Photos(torch.utils.data.Dataset):
    """Photos as uint8 CHW tensors; item i is photo i mod n (`repeats` times each)."""

    def __init__(self, files: list[Path], max_side: int, channels: int, repeats: int) -> None:
        from gankit.data.folder import open_checked, to_8bit

        self.photos, self.repeats, self.files = [], repeats, files
        for path in files:
            with open_checked(path) as image:
                image.draft("RGB", (image.width // 2, image.height // 2))  # cheap DCT downscale of JPEGs
                image = to_8bit(image, channels)
                if max(image.size) > max_side:
                    factor = max_side / max(image.size)
                    image = image.resize((round(image.width * factor), round(image.height * factor)),
                                         Image.LANCZOS)
                array = np.asarray(image)
            array = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
            self.photos.append(torch.from_numpy(np.ascontiguousarray(array)))

    def __len__(self) -> int:
        return len(self.photos) * self.repeats

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {"photo": self.photos[index % len(self.photos)]}


def _check(cfg: DataConfig) -> None:
    o = cfg.superres
    for name, value in (("crop", o.crop), ("test_crop", o.test_crop)):
        if value % o.scale:
            raise GankitError(f"data.superres.{name} = {value} is not a multiple of the scale {o.scale}")


def superres_spec(cfg: DataConfig) -> DataSpec:
    _check(cfg)
    o, channels = cfg.superres, cfg.channels or 3
    size = o.crop if cfg.split != cfg.test_split else o.test_crop
    low = size // o.scale
    return DataSpec("paired", {"A": (channels, low, low), "B": (channels, size, size)})


def _files(cfg: DataConfig, split: str) -> list[Path]:
    if not cfg.root:
        from gankit.data.photos import installed_photos

        return installed_photos(split)
    from gankit.data.folder import list_images
    from gankit.data.paired import hashed_split

    files = list_images(cfg.root)
    if cfg.held_out <= 0:
        raise GankitError("data.superres with your own data.root: set data.held_out (e.g. 0.2) to hold "
                          "photos out for testing, by a hash of their names")
    name = lambda f: str(f.relative_to(cfg.root).with_suffix(""))  # noqa: E731
    chosen = [f for f in files if hashed_split(name(f), cfg.held_out) == split]
    if not chosen:
        raise GankitError(f"{cfg.root}: no photos in split {split} (data.held_out = {cfg.held_out})")
    return chosen


def build_superres_source(cfg: DataConfig) -> Source:
    _check(cfg)
    o, test = cfg.superres, cfg.split == cfg.test_split
    files = _files(cfg, "test" if test else "train")
    photos = Photos(files, o.max_side, cfg.channels or 3, 1 if test else o.crops_per_photo)
    spec = DataSpec("paired", superres_spec(cfg).shapes, length=len(photos))
    name = f"photos {'test' if test else 'train'} ({len(files)}; x{o.scale}, LR {DOWNSCALE})"
    return Source(name, spec, dataset=photos, transform=SRCrop(o.crop, o.scale, o.test_crop))
