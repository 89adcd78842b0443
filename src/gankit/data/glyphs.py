"""Glyph datasets: a charset rendered in a source font and target fonts, deterministically.

Each glyph is drawn at twice the canvas size, cropped to its ink, scaled (long side to
size − 2·margin, aspect kept) and centred on a white size×size canvas, black ink. A glyph is
*available* in a font when the code point is in the font's cmap, the drawing has ink, and it
differs from the font's placeholder ("tofu") glyph; unavailable ones are counted and never
trained on. The dataset is `glyphs.npz` (images F×N×S×S uint8, available F×N, code points,
split per character) beside `dataset.json` (fonts, settings, counts)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from tqdm import tqdm

from gankit.data.fonts import SPLITS, Font, character_split, charset, resolve_font
from gankit.errors import GankitError

RENDERER = 1  # bump when the drawing changes: cached datasets are rendered again
NPZ, META = "glyphs.npz", "dataset.json"
PLACEHOLDER = "\U0010fffd"  # a private-use code point no font maps: draws the .notdef glyph


def _ink(font: ImageFont.FreeTypeFont, char: str) -> np.ndarray | None:
    """The glyph's coverage (0-255), cropped to its ink, or None when it has none."""
    left, top, right, bottom = font.getbbox(char)
    if right <= left or bottom <= top:
        return None
    canvas = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(canvas).text((2 - left, 2 - top), char, font=font, fill=255)
    ink = np.asarray(canvas)
    rows, cols = np.flatnonzero(ink.max(1) > 32), np.flatnonzero(ink.max(0) > 32)
    if len(rows) == 0:
        return None
    return ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def _fit(ink: np.ndarray, size: int, margin: int) -> np.ndarray:
    """Ink scaled so its long side is size - 2 margin, centred; black on white."""
    h, w = ink.shape
    scale = (size - 2 * margin) / max(h, w)
    new = (max(1, round(w * scale)), max(1, round(h * scale)))
    scaled = np.asarray(Image.fromarray(ink).resize(new, Image.Resampling.LANCZOS))
    canvas = np.zeros((size, size), dtype=np.uint8)
    top, left = (size - new[1]) // 2, (size - new[0]) // 2
    canvas[top:top + new[1], left:left + new[0]] = scaled
    return 255 - canvas


def render_font(font: Font, chars: str, size: int, margin: int,
                progress: bool = False) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """(images N×S×S uint8, available N bool, counts of why glyphs are missing) of `font`."""
    from fontTools.ttLib import TTFont

    try:
        cmap = TTFont(font.path, fontNumber=font.index, lazy=True).getBestCmap() or {}
        face = ImageFont.truetype(font.path, 2 * size, index=font.index)
    except Exception as err:  # fontTools and FreeType raise many kinds on a bad file
        raise GankitError(f"{font.path}: unreadable font ({str(err).splitlines()[0][:120]})") from None
    tofu = _ink(face, PLACEHOLDER)
    images = np.full((len(chars), size, size), 255, dtype=np.uint8)
    available = np.zeros(len(chars), dtype=bool)
    why = {"not in the font": 0, "empty": 0, "placeholder box": 0}
    for i, char in enumerate(tqdm(chars, desc=font.name, unit="glyph", disable=not progress, leave=False)):
        if ord(char) not in cmap:
            why["not in the font"] += 1
            continue
        ink = _ink(face, char)
        if ink is None:
            why["empty"] += 1
        elif tofu is not None and ink.shape == tofu.shape and np.array_equal(ink, tofu):
            why["placeholder box"] += 1
        else:
            images[i], available[i] = _fit(ink, size, margin), True
    return images, available, why


def _font_digest(font: Font) -> str:
    return hashlib.sha256(Path(font.path).read_bytes()).hexdigest()[:16]


def dataset_key(source: str, targets: list[str], chars_spec: str, size: int, margin: int) -> str:
    fonts = [resolve_font(s) for s in (source, *targets)]
    text = json.dumps([RENDERER, [(f.name, _font_digest(f), f.index) for f in fonts],
                       charset(chars_spec)[0], size, margin])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def render_dataset(source: str, targets: list[str], chars_spec: str, size: int, margin: int,
                   out: str | Path, progress: bool = False) -> Path:
    """Render the glyph dataset into `out` (written to a temporary folder, then renamed)."""
    if not targets:
        raise GankitError("a glyph dataset needs at least one target font")
    fonts = [resolve_font(s) for s in (source, *targets)]
    names = [f.name for f in fonts]
    if len(set(names)) != len(names):
        raise GankitError(f"a font is named twice among source and targets: {', '.join(names)}")
    chars, chars_name = charset(chars_spec)
    if not 2 * margin < size:
        raise GankitError(f"glyph margin {margin} leaves no room on a {size}-px canvas")
    rendered = [render_font(f, chars, size, margin, progress) for f in fonts]
    split = np.array([SPLITS.index(character_split(i)) for i in range(len(chars))], dtype=np.int8)
    out = Path(out)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    tmp.mkdir(parents=True, exist_ok=False)
    np.savez_compressed(tmp / NPZ, images=np.stack([r[0] for r in rendered]),
                        available=np.stack([r[1] for r in rendered]),
                        codepoints=np.array([ord(c) for c in chars], dtype=np.int32), split=split)
    font_rows = [{"name": f.name, "path": f.path, "index": f.index,
                  "role": "source" if k == 0 else "target", "available": int(r[1].sum()), "missing": r[2]}
                 for k, (f, r) in enumerate(zip(fonts, rendered, strict=True))]
    meta: dict[str, Any] = {
        "renderer": RENDERER, "size": size, "margin": margin, "charset": chars_name,
        "characters": len(chars), "split_rule": "index % 10 == 0: test, == 5: val, else train",
        "split_counts": {s: int((split == k).sum()) for k, s in enumerate(SPLITS)}, "fonts": font_rows}
    (tmp / META).write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n")
    if out.exists():
        import shutil

        shutil.rmtree(out)
    os.replace(tmp, out)
    return out


def cached_dataset(source: str, targets: list[str], chars_spec: str, size: int, margin: int) -> Path:
    """The rendered dataset of these settings in the user cache, rendered on first use."""
    from gankit.data.fetch import cache_dir

    root = cache_dir() / "glyphs"
    out = root / dataset_key(source, targets, chars_spec, size, margin)
    if not (out / META).is_file():
        from gankit.logs import get_logger

        get_logger("data").info(f"rendering glyphs ({source} -> {', '.join(targets)}, {chars_spec}, "
                                f"{size} px) into {out}")
        render_dataset(source, targets, chars_spec, size, margin, out)
    return out


def load_glyphs(root: str | Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(arrays, metadata) of a rendered glyph dataset."""
    root = Path(root)
    if not (root / META).is_file() or not (root / NPZ).is_file():
        raise GankitError(f"{root} is not a glyph dataset (no {META} and {NPZ}); make one with "
                          "gankit data glyphs")
    try:
        with np.load(root / NPZ, allow_pickle=False) as data:
            arrays = {k: data[k] for k in ("images", "available", "codepoints", "split")}
        meta = json.loads((root / META).read_text())
    except (OSError, ValueError, KeyError) as err:
        raise GankitError(f"{root}: unreadable glyph dataset ({err})") from None
    return arrays, meta
