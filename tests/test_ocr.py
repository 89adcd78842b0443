"""The OCR measurement's classifier: it learns characters from the glyphs of two fonts well
enough to read a third, and cannot score on labels that carry no information."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch

from gankit.evaluate.ocr import SIZE, to_input, train_and_test
from tests.test_glyphs_edges import needs_cjk

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "ocr_benefit.py"


def load_script():
    spec = importlib.util.spec_from_file_location("ocr_benefit", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_to_input_scales_and_resizes():
    x = to_input(torch.full((2, 64, 64), 255, dtype=torch.uint8))
    assert x.shape == (2, 1, SIZE, SIZE) and torch.allclose(x, torch.ones_like(x))


@needs_cjk
def test_the_classifier_reads_a_font_it_never_saw():
    script = load_script()
    chars = script.test_chars(20)
    assert len(chars) == 20 and chars[0] != chars[1]
    x, y = script.real_glyphs(["ukai", "uming"], chars)
    test_x, test_y = script.real_glyphs(["wqy-zenhei"], chars)
    assert x.shape == (40, 1, SIZE, SIZE) and sorted(test_y.tolist()) == list(range(20))
    assert train_and_test(x, y, test_x, test_y, 20, seed=0, epochs=20).accuracy >= 0.6  # chance 0.05
    shuffled = y[torch.randperm(len(y), generator=torch.Generator().manual_seed(0))]
    assert train_and_test(x, shuffled, test_x, test_y, 20, seed=0, epochs=20).accuracy <= 0.3
