"""Rendering a labelled character dataset with a glyph translator (the OCR-data use): each
character of a charset is drawn in the font the model reads, translated into every style
asked for, and written as OUT/STYLE/UXXXX.png with OUT/labels.csv (file, character, code
point, style), ready for a classifier."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import torch

from gankit.errors import GankitError


def render_inputs(entry: dict, chars: str) -> tuple[torch.Tensor, str, int]:
    """The input glyphs of `chars` in the model's input font, (N, 1, S, S) in [-1, 1], the
    characters that font has, and how many it lacks."""
    from gankit.data.fonts import resolve_font
    from gankit.data.glyphs import render_font

    spec = entry.get("glyph_input")
    if not spec:
        raise GankitError("--chars: this translator was not trained on glyphs rendered from a font "
                          "(translate images with --input instead)")
    images, available, _ = render_font(resolve_font(spec["font"]), chars, spec["size"], spec["margin"])
    kept = "".join(c for c, ok in zip(chars, available, strict=True) if ok)
    if not kept:
        raise GankitError(f"--chars: the font {spec['font']} has none of these characters")
    x = torch.from_numpy(images[available].astype(np.float32) / 127.5 - 1.0)[:, None]
    return x, kept, len(chars) - len(kept)


def _codes(path: str | Path, entry: dict, codes: int, style_from: str | None, seed: int
           ) -> tuple[list[str], list[torch.Tensor]]:
    """A latent model's styles: one code encoded from example glyphs (their mean code under E),
    or `codes` random codes from `seed`."""
    dim = entry["latent_dim"]
    if style_from:
        from gankit.inference import load
        from gankit.inference.images_io import image_files, read_images

        if not entry.get("encoder"):
            raise GankitError("--style-from: this model has no encoder to read a style from examples")
        encoder = load(path, model=entry["encoder"])
        shape = tuple(entry["target_shape"])
        files, _ = image_files(style_from, shape)
        with torch.no_grad():
            mu, _ = encoder(read_images(files, shape))
        return [f"from-{Path(style_from).stem}"], [mu.mean(0)]
    if codes < 1:
        raise GankitError(f"--codes must be positive, got {codes}")
    rng = torch.Generator().manual_seed(seed)
    return [f"code-{k}" for k in range(codes)], list(torch.randn(codes, dim, generator=rng))


def write_glyph_dataset(path: str | Path, chars: str, out: str | Path, model: str | None = None,
                        styles: list[int] | None = None, batch_size: int = 64, codes: int = 8,
                        style_from: str | None = None, seed: int = 0) -> tuple[int, int]:
    """Write the dataset; returns (images written, characters skipped: not in the input font).
    Style models write each style id; latent models (BicycleGAN) write `codes` random codes, or
    the style read from example glyphs in `style_from`."""
    from gankit.inference import load
    from gankit.inference.folder import ModelFolder
    from gankit.inference.images_io import write_images
    from gankit.io import write_text

    folder = ModelFolder.open(path)
    name, entry = folder.model(model)
    translator = load(path, model=name)
    x, kept, skipped = render_inputs(entry, chars)
    latents: list[torch.Tensor | None] = []
    if entry.get("latent_dim"):
        names, latents = _codes(path, entry, codes, style_from, seed)
    else:
        count = entry.get("num_styles")
        names = entry.get("styles") or ([str(i) for i in range(count)] if count else ["output"])
    chosen = styles if styles is not None else list(range(len(names)))
    for s in chosen:
        if not 0 <= s < len(names):
            raise GankitError(f"--style {s}: this model writes styles 0-{len(names) - 1} "
                              f"({', '.join(names)})")
    rows, written = [], 0
    for s in chosen:
        style = torch.full((len(x),), s) if entry.get("num_styles") else None
        z = latents[s].expand(len(x), -1) if latents else None
        y = translator.translate(x, z=z, style=style, batch_size=batch_size)
        files = [f"U{ord(c):04X}" for c in kept]
        write_images(y, files, Path(out) / names[s])
        rows += [(f"{names[s]}/{f}.png", c, ord(c), names[s]) for f, c in zip(files, kept, strict=True)]
        written += len(files)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["file", "char", "codepoint", "style"])
    writer.writerows(rows)
    write_text(Path(out) / "labels.csv", buffer.getvalue())
    return written, skipped


def read_chars(spec: str) -> str:
    """--chars: a text file of characters, or the characters themselves (duplicates, spaces
    and line breaks dropped, order kept)."""
    text = Path(spec).read_text(encoding="utf-8") if Path(spec).is_file() else spec
    return "".join(dict.fromkeys(c for c in text if not c.isspace()))
