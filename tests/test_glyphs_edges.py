"""Glyph rendering (deterministic, centred, masked where a font lacks a glyph, split as
docs/guide/data.md says) and Canny edges."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from gankit.data.fonts import FONTS, character_split, charset, gb2312_hanzi, resolve_font
from gankit.data.glyphs import load_glyphs, render_dataset, render_font
from gankit.errors import GankitError

CJK = [FONTS["wqy-microhei"], FONTS["ukai"]]
needs_cjk = pytest.mark.skipif(not all(Path(f.path).is_file() for f in CJK),
                               reason="CJK fonts not installed (scripts/ensure_fonts.sh)")
HANZI = "chars:永和九年岁在癸丑暮春之初会于会稽山阴之兰亭"


def test_gb2312_order_and_the_character_split():
    chars = gb2312_hanzi()
    assert len(chars) == 6763 and chars[:3] == "啊阿埃" and chars[-1] == "齄"
    splits = [character_split(i) for i in range(len(chars))]
    assert (splits.count("train"), splits.count("val"), splits.count("test")) == (5410, 676, 677)
    assert charset("chars:a b a")[0] == "ab"
    with pytest.raises(GankitError, match="not gb2312, ascii"):
        charset("no-such-file.txt")


def test_fonts_by_name_or_path_and_clear_errors(tmp_path):
    assert resolve_font("dejavu-sans").path.endswith("DejaVuSans.ttf")
    with pytest.raises(GankitError, match="not a known name"):
        resolve_font("comic-sans")
    with pytest.raises(GankitError, match="does not exist"):
        resolve_font(str(tmp_path / "x.ttf"))
    bad = tmp_path / "bad.ttf"
    bad.write_bytes(b"not a font")
    with pytest.raises(GankitError, match="unreadable font"):
        render_font(resolve_font(str(bad)), "abc", 32, 2)


def test_a_font_lacking_glyphs_is_masked_and_counted():
    images, available, why = render_font(resolve_font("dejavu-sans"), "Ab永 ", 32, 2)
    assert available.tolist() == [True, True, False, False]
    assert why["not in the font"] == 1 and why["empty"] == 1  # the space has no ink
    assert (images[2] == 255).all()  # a masked glyph is a blank canvas, never trained on


def test_glyphs_are_centred_with_their_margin_and_render_deterministically():
    images, available, _ = render_font(resolve_font("dejavu-sans"), "I-W", 32, 3)
    for image in images:
        ink = np.argwhere(image < 128)
        top, left = ink.min(0)
        bottom, right = ink.max(0)
        assert min(top, left, 31 - bottom, 31 - right) >= 2  # the margin (one pixel of antialiasing)
        assert max(bottom - top, right - left) >= 32 - 2 * 3 - 2  # the long side fills the canvas
        centre = (np.array([top, left]) + np.array([bottom, right])) / 2
        assert np.abs(centre - 15.5).max() <= 1.0
    again, _, _ = render_font(resolve_font("dejavu-sans"), "I-W", 32, 3)
    assert np.array_equal(images, again)


@needs_cjk
def test_a_glyph_dataset_records_fonts_masks_and_split(tmp_path):
    out = render_dataset("wqy-microhei", ["ukai", "dejavu-sans"], HANZI, 32, 2, tmp_path / "g")
    arrays, meta = load_glyphs(out)
    assert arrays["images"].shape == (3, 19, 32, 32) and arrays["available"].shape == (3, 19)
    assert arrays["available"][:2].all() and not arrays["available"][2].any()  # DejaVu has no hanzi
    assert meta["fonts"][2]["missing"]["not in the font"] == 19
    assert meta["split_counts"] == {"train": 15, "val": 2, "test": 2}
    assert [int(s) for s in arrays["split"][:6]] == [2, 0, 0, 0, 0, 1]  # test, train x4, val
    assert json.loads((out / "dataset.json").read_text())["fonts"][0]["role"] == "source"
    with pytest.raises(GankitError, match="named twice"):
        render_dataset("ukai", ["ukai"], HANZI, 32, 2, tmp_path / "h")


def test_canny_finds_the_outline_of_a_square():
    from gankit.data.edges import CannySettings, canny

    image = torch.zeros(1, 1, 24, 24)
    image[..., 6:18, 6:18] = 1.0
    edges = canny(image, CannySettings(sigma=1.0))[0, 0]
    assert edges[6:18, 5:7].any() and edges[6:18, 17:19].any()  # left and right sides
    assert not edges[10:14, 10:14].any() and not edges[:3, :3].any()  # not inside, not far away
    assert edges.float().mean() < 0.25
