"""A folder of images (searched recursively), resized and center-cropped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from gankit.errors import GankitError

EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}


def list_images(root: str | Path) -> list[Path]:
    """Image files under `root`, sorted; empty, zero-byte or unreadable files are errors."""
    root = Path(root)
    if not root.is_dir():
        raise GankitError(f"image folder {root} does not exist")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in EXTENSIONS and p.is_file())
    if not files:
        raise GankitError(f"no images ({', '.join(sorted(EXTENSIONS))}) under {root}")
    for path in files:
        if path.stat().st_size == 0:
            raise GankitError(f"{path}: empty (zero-byte) image file")
    return files


def load_image(path: Path, size: int, channels: int) -> torch.Tensor:
    """Read one image as float CHW in [-1, 1]: shorter side resized to `size`, center crop."""
    try:
        with Image.open(path) as image:
            image = image.convert("L" if channels == 1 else "RGB")
            width, height = image.size
            scale = size / min(width, height)
            resized = (max(size, round(width * scale)), max(size, round(height * scale)))
            image = image.resize(resized, Image.Resampling.BICUBIC)
            left, top = (resized[0] - size) // 2, (resized[1] - size) // 2
            image = image.crop((left, top, left + size, top + size))
            array = np.asarray(image, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise GankitError(f"{path}: unreadable image ({err})") from None
    if array.ndim == 2:
        array = array[:, :, None]
    return torch.from_numpy(array.copy()).permute(2, 0, 1).float().div_(127.5).sub_(1.0)


class ImageFolder(torch.utils.data.Dataset):
    """Map-style dataset over `list_images(root)`; every file's header is checked up front."""

    def __init__(self, root: str | Path, size: int, channels: int = 3) -> None:
        self.files = list_images(root)
        self.size, self.channels = size, channels or 3
        for path in self.files:
            try:
                with Image.open(path):
                    pass
            except (UnidentifiedImageError, OSError) as err:
                raise GankitError(f"{path}: unreadable image ({err})") from None

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {"image": load_image(self.files[index], self.size, self.channels)}
