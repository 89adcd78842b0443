"""The font judge: a font classifier trained on real target glyphs of the training characters,
cached per dataset, and its hit rate on outputs; gankit eval's use of it is tested with
zi2zi (tests/test_zi2zi.py) and BicycleGAN (tests/test_bicyclegan.py)."""

from __future__ import annotations

import pytest
import torch

from gankit.data.batch import Batch
from gankit.evaluate import font_judge as judge_module
from tests.test_glyphs_edges import needs_cjk
from tests.test_zi2zi import FONTS, _zi2zi


@pytest.fixture(scope="module")
def judge():
    if needs_cjk.args[0]:
        pytest.skip("CJK fonts not installed")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(judge_module, "EPOCHS", 100)  # a few dozen glyphs per font: more passes
        return judge_module.font_judge(_zi2zi().data)


@needs_cjk
def test_the_judge_tells_real_fonts_apart_and_scores_outputs_against_the_font_asked(judge):
    arrays, targets, fonts, _ = judge_module._glyph_arrays(_zi2zi().data)
    assert fonts == FONTS and judge.fonts == FONTS
    x, y = judge_module._real(arrays, targets, "test", None)
    assert judge.real_hit == pytest.approx(float((judge.fonts_of(x[:, None]) == y).float().mean()))
    assert judge.real_hit >= 2 / 3  # three clearly different fonts, chance is 1/3
    glyphs = x[:, None].float() / 127.5 - 1
    measure = judge_module.font_hit(judge)
    honest = measure(Batch({"input": glyphs, "style": y}), glyphs, None)
    assert honest["font_hit"] == pytest.approx(judge.real_hit)
    assert set(honest["font_hit_per_font"]) == set(FONTS)
    swapped = measure(Batch({"input": glyphs, "style": (y + 1) % 3}), glyphs, None)
    assert swapped["font_hit"] < honest["font_hit"]  # the right glyphs, the wrong font asked for


@needs_cjk
def test_the_judge_is_cached_per_dataset(monkeypatch):
    def no_training(*_args, **_kwargs):
        raise AssertionError("trained again")

    monkeypatch.setattr(judge_module, "EPOCHS", 2)
    first = judge_module.font_judge(_zi2zi().data)
    monkeypatch.setattr("gankit.evaluate.ocr.fit_classifier", no_training)
    again = judge_module.font_judge(_zi2zi().data)
    x = torch.rand(5, 1, 32, 32) * 2 - 1
    assert torch.equal(again.fonts_of(x), first.fonts_of(x)) and again.real_hit == first.real_hit
    monkeypatch.setattr(judge_module, "EPOCHS", 3)  # other settings: another judge
    with pytest.raises(AssertionError, match="trained again"):
        judge_module.font_judge(_zi2zi().data)
