"""A folder of images (searched recursively), resized and center-cropped."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from gankit.errors import GankitError

EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}


def _run_dirs(root: Path) -> list[Path]:
    """gankit run directories below `root` (their pictures are outputs, not data)."""
    return [p.parent for p in root.rglob("config.toml") if (p.parent / "checkpoints").is_dir()]


def list_images(root: str | Path) -> list[Path]:
    """Image files under `root` (gankit run directories inside it skipped), sorted; empty,
    zero-byte or unreadable files are errors."""
    root = Path(root)
    if not root.is_dir():
        raise GankitError(f"image folder {root} does not exist")
    runs = _run_dirs(root)
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in EXTENSIONS and p.is_file()
                   and not any(run in p.parents for run in runs))
    if not files:
        raise GankitError(f"no images ({', '.join(sorted(EXTENSIONS))}) under {root}")
    for path in files:
        if path.stat().st_size == 0:
            raise GankitError(f"{path}: empty (zero-byte) image file")
    return files


def native_channels(path: Path) -> int:
    """1 for a grayscale image file, 3 otherwise."""
    try:
        with Image.open(path) as image:
            return 1 if image.mode in ("L", "1", "LA", *SIXTEEN_BIT) else 3
    except (UnidentifiedImageError, OSError) as err:
        raise GankitError(f"{path}: unreadable image ({err})") from None


SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I;16N", "I")
BACKGROUND = (255, 255, 255)  # transparent pixels are composited on white


def has_transparency(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def to_8bit(image: Image.Image, channels: int) -> Image.Image:
    """`image` as 8-bit L or RGB: 16-bit values scaled (not clipped), transparency composited
    on white (BACKGROUND)."""
    if image.mode in SIXTEEN_BIT:
        values = np.asarray(image, dtype=np.float64)
        image = Image.fromarray(np.clip(np.round(values / 65535 * 255), 0, 255).astype(np.uint8), "L")
    elif has_transparency(image):
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (*BACKGROUND, 255)), rgba)
    return image.convert("L" if channels == 1 else "RGB")


def open_checked(path: Path) -> Image.Image:
    """Image.open with one line for every way a file can be unfit (a decompression bomb too)."""
    try:
        return Image.open(path)
    except Image.DecompressionBombError as err:
        sizes = [f"{int(n):,}" for n in re.findall(r"(\d+) pixels", str(err))]
        what = f"of {sizes[0]} pixels (over the limit of {sizes[1]})" if len(sizes) == 2 else "this large"
        raise GankitError(f"{path}: refusing an image {what}; a decompression bomb?") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise GankitError(f"{path}: unreadable image ({err})") from None


def load_image(path: Path, size: int, channels: int, crop: bool = True) -> torch.Tensor:
    """Read one image as float CHW in [-1, 1]: shorter side resized to `size` and a center
    crop, or (`crop` False) resized to size×size whatever its aspect (as pix2pix does)."""
    try:
        with open_checked(path) as image:
            image = to_8bit(image, channels)
            width, height = image.size
            if crop:
                scale = size / min(width, height)
                resized = (max(size, round(width * scale)), max(size, round(height * scale)))
                image = image.resize(resized, Image.Resampling.BICUBIC)
                left, top = (resized[0] - size) // 2, (resized[1] - size) // 2
                image = image.crop((left, top, left + size, top + size))
            else:
                image = image.resize((size, size), Image.Resampling.BICUBIC)
            array = np.asarray(image, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise GankitError(f"{path}: unreadable image ({err})") from None
    if array.ndim == 2:
        array = array[:, :, None]
    return torch.from_numpy(array.copy()).permute(2, 0, 1).float().div_(127.5).sub_(1.0)


def load_image_native(path: Path, channels: int) -> torch.Tensor:
    """Read one image at its own size as float CHW in [-1, 1]."""
    try:
        with open_checked(path) as image:
            array = np.asarray(to_8bit(image, channels), dtype=np.uint8)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise GankitError(f"{path}: unreadable image ({err})") from None
    if array.ndim == 2:
        array = array[:, :, None]
    return torch.from_numpy(array.copy()).permute(2, 0, 1).float().div_(127.5).sub_(1.0)


class ImageFolder(torch.utils.data.Dataset):
    """Map-style dataset over `list_images(root)`; every file's header is checked up front.
    With `held_out` > 0, only the files of `split` (train or test, by a hash of the name)."""

    def __init__(self, root: str | Path, size: int, channels: int = 3, split: str = "train",
                 held_out: float = 0.0) -> None:
        self.files = list_images(root)
        if held_out > 0:
            from gankit.data.paired import hashed_split

            self.files = [f for f in self.files if hashed_split(str(f.relative_to(root).with_suffix("")),
                                                                held_out) == split]
            if not self.files:
                raise GankitError(f"{root}: no images in split {split} with data.held_out = {held_out}")
        self.size, self.channels = size, channels or 3
        transparent = 0
        for path in self.files:
            with open_checked(path) as image:
                transparent += has_transparency(image)
        if transparent:
            from gankit.logs import get_logger

            get_logger("data").info(f"{root}: {transparent} of {len(self.files)} images have transparency; "
                                    f"composited on white {BACKGROUND}")

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {"image": load_image(self.files[index], self.size, self.channels)}
