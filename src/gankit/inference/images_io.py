"""Image files in and out of translators: a folder read at a model's input shape (one clear
line for a file of the wrong channel count), results written under the same names."""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image

from gankit.data.folder import list_images, load_image, native_channels
from gankit.errors import GankitError
from gankit.images import to_uint8


def image_files(src: str | Path, shape: tuple[int, ...]) -> tuple[list[Path], Path]:
    """(the input image files, the folder their names are relative to), checked up front: a
    missing input, or images of another channel count than the model's, is one line."""
    src = Path(src)
    if not src.exists():
        raise GankitError(f"--input {src} does not exist")
    files = [src] if src.is_file() else list_images(src)
    channels = shape[0]
    wrong = [f for f in files if native_channels(f) != channels]
    if wrong:
        kind = "grayscale" if channels == 1 else "colour"
        raise GankitError(f"{len(wrong)} of {len(files)} input images are not {kind} as this model's "
                          f"input ({channels} channel{'s' if channels > 1 else ''}); first: {wrong[0]}")
    return files, src.parent if src.is_file() else src


def read_images(files: list[Path], shape: tuple[int, ...]) -> torch.Tensor:
    """Float NCHW in [-1, 1], each resized to shape[1:]."""
    return torch.stack([load_image(f, shape[-1], shape[0], crop=False) for f in files])


def write_images(images: torch.Tensor, names: list[str], dst: str | Path) -> list[Path]:
    """Write float NCHW images in [-1, 1] as DST/NAME.png; returns the paths."""
    from gankit.io import atomic_write

    dst = Path(dst)
    out = []
    for array, name in zip(to_uint8(images), names, strict=True):
        path = dst / f"{name}.png"
        with atomic_write(path) as handle:
            Image.fromarray(array[:, :, 0] if array.shape[2] == 1 else array).save(handle, format="PNG")
        out.append(path)
    return out
