"""Glyph datasets as training sources: for every character of the split and every target
font in which both it and the source glyph exist, the pair (source glyph A, target glyph B)
and the target's style id. data.root names a dataset written by `gankit data glyphs`;
without one, the config's fonts are rendered into the user cache on first use."""

from __future__ import annotations

import zlib
from dataclasses import replace

import numpy as np
import torch

from gankit.config import DataConfig
from gankit.data.batch import DataSpec
from gankit.data.fonts import SPLITS
from gankit.data.glyphs import cached_dataset, load_glyphs
from gankit.data.source import Source
from gankit.data.transforms import PairedTransform
from gankit.errors import GankitError


def glyph_root(cfg: DataConfig) -> str:
    if cfg.root:
        return cfg.root
    margin = cfg.glyphs.margin or cfg.image_size // 16
    return str(cached_dataset(cfg.glyphs.source, list(cfg.glyphs.targets), cfg.glyphs.charset,
                              cfg.image_size, margin))


def glyph_spec(cfg: DataConfig) -> DataSpec:
    shape = (1, cfg.image_size, cfg.image_size)
    styles = len(cfg.glyphs.targets)
    if cfg.root and not cfg.glyphs.targets:  # every target of a dataset written by gankit data glyphs
        import json
        from pathlib import Path

        from gankit.data.glyphs import META

        try:
            styles = len(json.loads((Path(cfg.root) / META).read_text())["fonts"]) - 1
        except (OSError, ValueError, KeyError):
            raise GankitError(f"{cfg.root} is not a glyph dataset (no readable {META})") from None
    if unpaired_training(cfg):
        return DataSpec("unpaired", {"A": shape, "B": shape})
    return DataSpec("paired", {"A": shape, "B": shape, "style": ()}, num_styles=styles)


def unpaired_training(cfg: DataConfig) -> bool:
    """Whether this split is the unpaired training split of data.glyphs.unpaired."""
    return cfg.glyphs.unpaired and cfg.split != cfg.test_split


def domain_of(codepoints: np.ndarray) -> np.ndarray:
    """Which half (0: domain A, 1: domain B) each character belongs to: a hash of its code
    point (CRC-32 of its 4 little-endian bytes), so the split is fixed and ignores order."""
    return np.array([zlib.crc32(int(c).to_bytes(4, "little")) & 1 for c in codepoints], dtype=np.int64)


def target_indices(cfg: DataConfig, meta: dict) -> list[int]:
    """Indices (into the dataset's fonts) of the configured target fonts."""
    names = [f["name"] for f in meta["fonts"]]
    wanted = list(cfg.glyphs.targets) if cfg.root and cfg.glyphs.targets else names[1:]
    missing = [n for n in wanted if n not in names[1:]]
    if missing:
        raise GankitError(f"{cfg.root}: no target font {missing[0]!r} in this glyph dataset (it has "
                          f"{', '.join(names[1:])}; set data.glyphs.targets, or [] for all)")
    return [names.index(n) for n in wanted]


def build_glyph_source(cfg: DataConfig) -> Source:
    arrays, meta = load_glyphs(glyph_root(cfg))
    if meta["size"] != cfg.image_size:
        raise GankitError(f"the glyph dataset was rendered at {meta['size']} px, data.image_size is "
                          f"{cfg.image_size}")
    targets = target_indices(cfg, meta)
    if cfg.glyphs.unpaired and len(targets) != 1:
        raise GankitError(f"data.glyphs.unpaired: one target font, got {len(targets)} "
                          f"({', '.join(cfg.glyphs.targets) or 'all of the dataset'})")
    in_split = arrays["split"] == SPLITS.index(cfg.split)
    if unpaired_training(cfg):
        return _unpaired(cfg, arrays, meta, in_split, targets[0])
    pairs = [(t_id, i) for t_id, font in enumerate(targets)
             for i in np.flatnonzero(in_split & arrays["available"][0] & arrays["available"][font])]
    if not pairs:
        raise GankitError(f"no glyph pairs in split {cfg.split} of {cfg.root or 'the rendered dataset'}")
    style = torch.tensor([t for t, _ in pairs])
    chars = torch.tensor([int(i) for _, i in pairs])
    images = torch.from_numpy(arrays["images"]).float().div_(127.5).sub_(1.0)
    fields = {"A": images[0][chars][:, None], "B": images[torch.tensor(targets)[style], chars][:, None],
              "style": style, "char": torch.from_numpy(arrays["codepoints"])[chars]}
    spec = replace(glyph_spec(cfg), length=len(pairs),
                   shapes={"A": (1, cfg.image_size, cfg.image_size), "B": (1, cfg.image_size, cfg.image_size),
                           "style": (), "char": ()})
    train = cfg.split != cfg.test_split
    transform = PairedTransform(cfg.image_size, cfg.load_size if train else 0, cfg.flip and train)
    return Source(f"glyphs {meta['fonts'][0]['name']} -> {', '.join(cfg.glyphs.targets)} {cfg.split}",
                  spec, fields, transform=transform if transform.random else None)


def _unpaired(cfg: DataConfig, arrays: dict, meta: dict, in_split: np.ndarray, target: int) -> Source:
    """Domain A: the source glyphs of one half of the split's characters; domain B: the target
    glyphs of the other half. No character is in both, so no pair is ever seen."""
    images = torch.from_numpy(arrays["images"]).float().div_(127.5).sub_(1.0)
    half = domain_of(arrays["codepoints"])
    shape = (1, cfg.image_size, cfg.image_size)
    train = cfg.split != cfg.test_split
    transform = PairedTransform(cfg.image_size, cfg.load_size if train else 0, cfg.flip and train)
    parts = {}
    for name, font, side in (("A", 0, 0), ("B", target, 1)):
        chars = np.flatnonzero(in_split & arrays["available"][0] & arrays["available"][font] & (half == side))
        if len(chars) == 0:
            raise GankitError(f"no characters for domain {name} in split {cfg.split}")
        glyphs = images[font][torch.from_numpy(chars)][:, None]
        parts[name] = Source(f"{meta['fonts'][font]['name']} ({len(chars)} characters)",
                             DataSpec("images", {name: shape}, length=len(chars)), {name: glyphs},
                             transform=transform if transform.random else None)
    spec = DataSpec("unpaired", {"A": shape, "B": shape}, length=max(len(p) for p in parts.values()))
    return Source(f"unpaired glyphs {parts['A'].name} | {parts['B'].name} {cfg.split}", spec, parts=parts)
