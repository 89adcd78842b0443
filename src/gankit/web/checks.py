"""Every input the web app accepts, checked: numbers in range, uploads of a known image type
and bounded size, text of bounded length. A bad input is one readable line (HTTP 400)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from gankit.errors import GankitError

MAX_UPLOAD_BYTES = 8 * 2**20
MAX_UPLOAD_PIXELS = 4096 * 4096
MAX_SAMPLES = 64
MAX_STEPS = 16
MAX_TEXT = 32
MAX_SEED = 2**31 - 1
UPLOAD_FORMATS = ("PNG", "JPEG", "WEBP", "BMP")


def integer(values: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    raw = values.get(key, default)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise GankitError(f"{key}: expected a whole number, got {str(raw)[:20]!r}") from None
    if isinstance(raw, float) and raw != value:
        raise GankitError(f"{key}: expected a whole number, got {raw}")
    if not low <= value <= high:
        raise GankitError(f"{key}: must be between {low} and {high}, got {value}")
    return value


def optional_class(values: dict[str, Any], num_classes: int | None) -> int | None:
    if values.get("class") in (None, "", "all"):
        return None
    if num_classes is None:
        raise GankitError("class: this model is not conditional")
    return integer(values, "class", 0, 0, num_classes - 1)


def uploaded_image(data: bytes, shape: tuple[int, ...]) -> torch.Tensor:
    """An upload as a (1, C, S, S) tensor in [-1, 1] of the model's input shape: a PNG, JPEG,
    WEBP or BMP of at most 8 MiB and 4096 x 4096 pixels; other sizes are resized."""
    from gankit.data.folder import to_8bit

    if not data:
        raise GankitError("image: the upload is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise GankitError(f"image: {len(data) / 2**20:.1f} MiB is over the "
                          f"{MAX_UPLOAD_BYTES // 2**20} MiB limit")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in UPLOAD_FORMATS:
                raise GankitError(f"image: a {image.format} file; upload {', '.join(UPLOAD_FORMATS)}")
            if image.width * image.height > MAX_UPLOAD_PIXELS:
                raise GankitError(f"image: {image.width} x {image.height} pixels is over the "
                                  "4096 x 4096 limit")
            image.load()
            channels, size = shape[0], shape[-1]
            converted = to_8bit(image, channels).resize((size, size), Image.BICUBIC)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise GankitError("image: not a readable image (PNG, JPEG, WEBP or BMP)") from None
    array = np.asarray(converted, dtype=np.float32)
    array = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
    return torch.from_numpy(array / 127.5 - 1.0)[None]


def text(values: dict[str, Any]) -> str:
    chars = str(values.get("text", "")).strip()
    if not chars:
        raise GankitError("text: type one or more characters")
    if len(chars) > MAX_TEXT:
        raise GankitError(f"text: at most {MAX_TEXT} characters, got {len(chars)}")
    return chars
