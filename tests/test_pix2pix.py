"""pix2pix: the update, exact resume, export, `gankit translate`, translation metrics and the
copy-the-input baseline, on tiny paired folders and glyphs."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

import gankit
from gankit.cli import main
from gankit.config import config_from_dict
from gankit.train import train
from gankit.train import trainer as trainer_module
from tests.test_glyphs_edges import HANZI, needs_cjk
from tests.test_trainer import _StopAtCheck


def _pix2pix(root, **train_values):
    return config_from_dict({
        "recipe": "pix2pix", "data": {"dataset": "paired", "root": str(root), "image_size": 16},
        "nets": {"G": {"arch": "unet", "width": 4}, "D": {"arch": "patchgan", "width": 4, "layers": 2}},
        "train": {"device": "cpu", "precision": "fp32", "steps": 6, "batch_size": 4, "log_every": 2,
                  "sample_every": 3, "checkpoint_every": 3, "tensorboard": False, **train_values}})


def test_pix2pix_d_judges_the_pair_and_g_learns_l1_plus_adversarial(paired_dir, tmp_path):
    from gankit.data import data_spec
    from gankit.recipes import build_recipe

    cfg = _pix2pix(paired_dir)
    recipe = build_recipe(cfg, data_spec(cfg.data))
    assert recipe.nets["D"].features[0].in_channels == 2  # A and B side by side
    run = tmp_path / "run"
    train(cfg, run, progress=False)
    row = json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])
    assert {"loss_d", "loss_g", "loss_g_gan", "loss_l1"} <= set(row)
    assert row["loss_g"] == pytest.approx(row["loss_g_gan"] + 100 * row["loss_l1"], rel=1e-4)


def test_pix2pix_resumes_bit_exactly_with_its_dropout(paired_dir, tmp_path, monkeypatch):
    from safetensors.torch import load_file

    from gankit.errors import TrainingInterrupted

    straight, split = tmp_path / "a", tmp_path / "b"
    train(_pix2pix(paired_dir, steps=8), straight, progress=False)
    with monkeypatch.context() as patch:
        patch.setattr(trainer_module, "StopRequests", _StopAtCheck(5))
        with pytest.raises(TrainingInterrupted):
            train(_pix2pix(paired_dir, steps=8), split, progress=False)
    train(_pix2pix(paired_dir, steps=8), split, resume=True, progress=False)
    for name in ("G", "D"):
        a = load_file(straight / "checkpoints/latest" / f"{name}.safetensors")
        b = load_file(split / "checkpoints/latest" / f"{name}.safetensors")
        assert all(torch.equal(a[k], b[k]) for k in a), name


def test_translate_keeps_names_and_refuses_the_wrong_channel_count(paired_dir, tmp_path, capsys):
    run = tmp_path / "run"
    train(_pix2pix(paired_dir), run, progress=False)
    inputs = tmp_path / "inputs" / "sub"
    inputs.mkdir(parents=True)
    for name in ("one", "two"):
        Image.fromarray(np.full((20, 24), 90, dtype=np.uint8)).save(inputs / f"{name}.png")
    out = tmp_path / "out"
    assert main(["translate", str(run), "--input", str(inputs.parent), "--out", str(out)]) == 0
    assert "translated 2 images" in capsys.readouterr().out
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png")) == ["sub/one.png", "sub/two.png"]
    assert Image.open(out / "sub/one.png").size == (16, 16)
    Image.new("RGB", (16, 16)).save(inputs / "colour.png")
    assert main(["translate", str(run), "--input", str(inputs), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "1 of 3 input images are not grayscale" in err
    assert main(["translate", str(run), "--input", str(tmp_path / "nowhere"), "--out", str(out)]) == 2


def test_eval_of_a_translator_scores_pairs_and_features_and_beats_copying_only_when_trained(
        paired_dir, tmp_path, capsys):
    from gankit.data import build_source
    from gankit.evaluate.translation import TranslationEvalOptions, copy_translator, evaluate_translator
    from gankit.metrics.paired import l1, ssim

    run = tmp_path / "run"
    train(_pix2pix(paired_dir, steps=2), run, progress=False)
    assert main(["eval", str(run), "--features", "fmnist", "--metrics", "l1,psnr,ssim,kid"]) == 0
    out = capsys.readouterr().out
    assert "L1" in out and "PSNR" in out and "SSIM" in out and "KID" in out and "test mode eval" in out
    row = json.loads((run / "eval.jsonl").read_text().splitlines()[-1])
    assert row["metric"] == "translation" and row["n"] == 8 and row["test_mode"] == "eval"
    test = build_source(config_from_dict({"recipe": "l1", "data": {
        "dataset": "paired", "root": str(paired_dir), "image_size": 16}}).data, split="test")
    translator = gankit.load(run)
    batch = test.first(8)
    outputs = translator.translate(batch["A"])
    assert row["l1"] == pytest.approx(l1(outputs, batch["B"])) and row["ssim"] == pytest.approx(
        ssim(outputs, batch["B"]))
    copy = evaluate_translator(copy_translator(test), test, TranslationEvalOptions(metrics=["l1"]))
    assert copy["l1"] == pytest.approx(l1(batch["A"], batch["B"]))  # B = 255 - A: copying is far off
    assert main(["eval", str(run), "--test-mode", "train", "--metrics", "l1"]) == 0
    assert json.loads((run / "eval.jsonl").read_text().splitlines()[-1])["test_mode"] == "train"


@needs_cjk
def test_pix2pix_trains_on_glyphs_and_eval_uses_their_test_characters(tmp_path):
    cfg = config_from_dict({
        "recipe": "pix2pix", "data": {"dataset": "glyphs", "image_size": 32,
                                      "glyphs": {"charset": HANZI, "targets": ["ukai"]}},
        "nets": {"G": {"arch": "unet", "width": 4}, "D": {"arch": "patchgan", "width": 4, "layers": 2}},
        "train": {"device": "cpu", "precision": "fp32", "steps": 3, "batch_size": 5, "tensorboard": False}})
    run = tmp_path / "glyph-run"
    train(cfg, run, progress=False)
    from gankit.evaluate import evaluate_run
    from gankit.evaluate.translation import TranslationEvalOptions

    result = evaluate_run(run, image_opts=TranslationEvalOptions(metrics=["l1", "ssim"]))
    assert result["n"] == 2 and 0 < result["ssim"] < 1  # the two test characters of HANZI


@needs_cjk
def test_compare_puts_pix2pix_beside_the_l1_baseline_and_copying(tmp_path, capsys):
    import csv

    tiny = ["nets.G.width=4", "train.steps=2", "train.batch_size=5", "train.tensorboard=false",
            "data.image_size=32", f'data.glyphs.charset="{HANZI}"', "train.precision=fp32"]
    code = main(["compare", "pix2pix-glyphs", "l1-glyphs", "--seeds", "1", "--out", str(tmp_path / "c"),
                 *[a for o in tiny for a in ("--set", o)], "--set", "nets.D.width=4"])
    assert code == 2 and "nets.D: recipe l1 has nets G" in capsys.readouterr().err  # l1 has no D
    code = main(["compare", "pix2pix-glyphs", "l1-glyphs", "--seeds", "1", "--out", str(tmp_path / "c"),
                 *[a for o in tiny for a in ("--set", o)]])
    assert code == 0, capsys.readouterr().err
    with open(tmp_path / "c" / "results.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["preset"] for r in rows] == ["pix2pix-glyphs", "l1-glyphs", "copy the input"]
    assert all(0 <= float(r["ssim"]) <= 1 and float(r["fid"]) >= 0 for r in rows)
    assert "| copy the input |" in (tmp_path / "c" / "summary.md").read_text()
