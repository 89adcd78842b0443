"""zi2zi: a learned style embedding (not the original's fixed random one), the loss terms, the
explicit G:D update ratio, per-font evaluation, translation into a chosen style and the
labelled character dataset of the OCR use, on a few glyphs of three fonts."""

from __future__ import annotations

import csv
import json

import pytest
import torch

from gankit.cli import main
from gankit.config import config_from_dict
from gankit.errors import GankitError
from gankit.train import train
from tests.test_glyphs_edges import HANZI, needs_cjk

FONTS = ["ukai", "uming", "wqy-zenhei"]


def _zi2zi(zi2zi: dict | None = None, targets: list[str] = FONTS, data: dict | None = None, g_width: int = 8,
           **train_values):
    return config_from_dict({
        "recipe": "zi2zi",
        "data": {"dataset": "glyphs", "image_size": 32, "glyphs": {"charset": HANZI, "targets": targets},
                 **(data or {})},
        "nets": {"G": {"arch": "unet", "width": g_width}, "D": {"arch": "patchgan", "width": 8, "layers": 2}},
        "zi2zi": {"embed_dim": 16, **(zi2zi or {})},
        "train": {"device": "cpu", "precision": "fp32", "steps": 6, "batch_size": 4, "log_every": 1,
                  "sample_every": 3, "checkpoint_every": 3, "tensorboard": False, **train_values}})


@pytest.fixture(scope="module")
def zi2zi_run(tmp_path_factory):
    if needs_cjk.args[0]:
        pytest.skip("CJK fonts not installed")
    run = tmp_path_factory.mktemp("zi2zi") / "run"
    train(_zi2zi(steps=12, lr_decay_start=1.0), run, progress=False)
    return run


@needs_cjk
def test_the_style_embedding_learns_and_the_losses_add_up(tmp_path):
    from gankit.data import data_spec
    from gankit.recipes import build_recipe

    cfg = _zi2zi({"tv": 0.5})
    recipe = build_recipe(cfg, data_spec(cfg.data))
    before = recipe.nets["G"].embedding.weight.detach().clone()
    run = tmp_path / "run"
    from gankit.train import Trainer

    trainer = Trainer(cfg, run, progress=False)
    start = trainer.recipe.nets["G"].embedding.weight.detach().clone()
    trainer.run()
    assert before.shape == (3, 16)
    assert not torch.equal(start, trainer.recipe.nets["G"].embedding.weight.detach())  # trained
    row = json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])
    core = row["loss_g_gan"] + 100 * row["loss_l1"] + 15 * row["loss_const"] + row["loss_font_g"]
    assert row["loss_g"] > core  # plus 0.5 x total variation
    assert 0 <= row["font_acc"] <= 1


@needs_cjk
def test_g_steps_is_the_number_of_g_updates_per_d_update():
    from gankit.data import data_spec
    from gankit.data.source import build_source
    from gankit.recipes import build_recipe

    cfg = _zi2zi({"g_steps": 2})
    recipe = build_recipe(cfg, data_spec(cfg.data))
    batch = build_source(cfg.data).first(4)
    recipe.train_step([batch])
    step_of = lambda group: int(next(iter(recipe.optimizers[group].state.values()))["step"])  # noqa: E731
    assert step_of("G") == 2 and step_of("D") == 1


def test_zi2zi_needs_style_ids(paired_dir):
    with pytest.raises(GankitError, match="needs style ids"):
        config_from_dict({"recipe": "zi2zi", "data": {"dataset": "paired", "root": str(paired_dir),
                                                      "image_size": 16}})


def test_styles_differ_and_eval_reports_each_font(capsys, zi2zi_run):
    from gankit.data import held_out_source
    from gankit.inference import load

    translator = load(zi2zi_run)
    assert translator.num_styles == 3
    a = held_out_source(_zi2zi().data).first(2)["A"]
    ukai = translator.translate(a, style=torch.zeros(2, dtype=torch.long))
    zenhei = translator.translate(a, style=torch.full((2,), 2))
    assert not torch.equal(ukai, zenhei)
    assert main(["eval", str(zi2zi_run), "--metrics", "l1,ssim"]) == 0
    printed = capsys.readouterr().out
    record = json.loads((zi2zi_run / "eval.jsonl").read_text().splitlines()[-1])
    assert sorted(record["per_style"]) == sorted(FONTS)
    assert all(0 <= r["l1"] <= 1 and r["n"] > 0 for r in record["per_style"].values())
    assert "uming" in printed and "test characters" in printed
    assert 0 <= record["font_hit"] <= 1 and sorted(record["font_hit_per_font"]) == sorted(FONTS)
    assert 0 <= record["font_hit_real"] <= 1 and "read as the font asked for" in printed


def test_translate_writes_one_style_or_a_labelled_character_dataset(capsys, zi2zi_run, tmp_path):
    out = tmp_path / "ocr"
    assert main(["translate", str(zi2zi_run), "--chars", "永和九年", "--out", str(out)]) == 0
    with open(out / "labels.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4 * 3 and {r["style"] for r in rows} == set(FONTS)
    assert all((out / r["file"]).is_file() for r in rows) and rows[0]["char"] == "永"
    one = tmp_path / "one"
    assert main(["translate", str(zi2zi_run), "--chars", "永和", "--style", "1", "--out", str(one)]) == 0
    assert sorted(p.name for p in one.iterdir()) == ["labels.csv", "uming"]
    from PIL import Image

    (tmp_path / "in").mkdir()
    Image.new("L", (32, 32), 255).save(tmp_path / "in" / "x.png")
    folder = ["translate", str(zi2zi_run), "--input", str(tmp_path / "in"), "--out", str(tmp_path / "o")]
    assert main(folder) == 2
    assert "choose one with --style" in capsys.readouterr().err
    assert main([*folder, "--style", "2"]) == 0


@needs_cjk
def test_the_ocr_benefit_script_runs_on_a_translator(capsys, zi2zi_run):
    from tests.test_ocr import load_script

    rows = load_script().main(["--model", str(zi2zi_run), "--real", "ukai", "--test", "wqy-zenhei",
                               "--chars", "6", "--epochs", "1", "--seeds", "0"])
    assert len(rows) == 1 and rows[0]["generated_images"] == 6 * 3 and rows[0]["generated_styles"] == 3
    assert 0.0 <= rows[0]["real_plus_generated"] <= 1.0 and rows[0]["test_images"] == 6
    assert 0.0 <= rows[0]["real_only_same_updates"] <= 1.0
    assert "real_only" in capsys.readouterr().out


@needs_cjk
def test_few_shot_fine_tuning_starts_from_a_trained_model_with_the_encoder_frozen(zi2zi_run, tmp_path):
    from gankit.inference.folder import ModelFolder

    source = ModelFolder.open(zi2zi_run).load_net("G")
    cfg = _zi2zi({"init_from": str(zi2zi_run), "freeze_encoder": True}, targets=["uming"],
                 data={"subset": 8}, steps=3)
    train(cfg, tmp_path / "tuned", progress=False)
    tuned = ModelFolder.open(tmp_path / "tuned").load_net("G", ema=False)
    assert tuned.embedding.weight.shape == (1, 16)
    for (name, before), after in zip(source.unet.downs.state_dict().items(),
                                     tuned.unet.downs.state_dict().values(), strict=True):
        if "running" not in name and "num_batches" not in name:
            assert torch.equal(before, after), name  # the encoder stayed as trained
    pairs = zip(source.unet.ups.parameters(), tuned.unet.ups.parameters(), strict=True)
    assert not all(torch.equal(x, y) for x, y in pairs)  # the decoder learned
    from gankit.nets.zi2zi import StyleUNet
    from gankit.recipes.zi2zi import start_from

    fresh = StyleUNet(1, 1, 32, 2, 16, 8)
    start_from(fresh, str(zi2zi_run))
    mean = source.embedding.weight.mean(0)
    assert torch.allclose(fresh.embedding.weight, mean.expand(2, -1))  # each new font starts at the mean
    with pytest.raises(GankitError, match="needs zi2zi.init_from"):
        train(_zi2zi({"freeze_encoder": True}), tmp_path / "x", progress=False)
    with pytest.raises(GankitError, match="does not fit this one"):
        train(_zi2zi({"init_from": str(zi2zi_run)}, g_width=16), tmp_path / "y", progress=False)


def test_style_interpolation_walks_from_one_learned_font_to_another(capsys, zi2zi_run, tmp_path):
    from PIL import Image

    from gankit.inference import load
    from gankit.inference.folder import ModelFolder
    from gankit.inference.glyph_writer import render_inputs
    from gankit.inference.style_grid import style_interpolation

    images, kept, names = style_interpolation(zi2zi_run, "永和九", "ukai", "2", steps=5)
    assert kept == "永和九" and names == ["ukai", "wqy-zenhei"] and images.shape[0] == 3 * 6
    rows = images.view(3, 6, *images.shape[1:])
    _, entry = ModelFolder.open(zi2zi_run).model()
    x, _, _ = render_inputs(entry, "永和九")
    translator = load(zi2zi_run)
    assert torch.equal(rows[:, 0], x)  # each row starts with its input glyph
    for column, style in ((1, 0), (5, 2)):  # the ends are the pure fonts
        pure = translator.translate(x, style=torch.full((3,), style))
        assert torch.allclose(rows[:, column], pure, atol=1e-5)
    middle = rows[:, 3]
    assert (middle - rows[:, 1]).abs().mean() > 0 and (middle - rows[:, 5]).abs().mean() > 0
    out = tmp_path / "walk.png"
    assert main(["interpolate", str(zi2zi_run), "--styles", "ukai", "uming", "--chars", "永和",
                 "--steps", "4", "--out", str(out)]) == 0
    with Image.open(out) as picture:  # 32-px glyphs drawn at twice the size, 2-px padding
        assert picture.size == ((5 * 34 + 2) * 2, (2 * 34 + 2) * 2)
    assert "from style ukai to uming" in capsys.readouterr().out
    from gankit.inference import export

    exported = export(zi2zi_run, tmp_path / "export")
    again, _, _ = style_interpolation(exported, "永和九", "ukai", "2", steps=5)
    assert torch.allclose(again, images, atol=1e-6)  # an export walks the same way
    assert main(["interpolate", str(zi2zi_run), "--styles", "ukai", "comic-sans", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no style 'comic-sans'" in err and "Traceback" not in err


def _per_font_script():
    """scripts/zi2zi_vs_pix2pix.py as a module."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "scripts" / "zi2zi_vs_pix2pix.py"
    spec = importlib.util.spec_from_file_location("zi2zi_vs_pix2pix", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


@needs_cjk
def test_the_per_font_pix2pix_comparison_takes_equal_total_steps(capsys, zi2zi_run, tmp_path):
    from gankit.config.toml import read_toml

    script = _per_font_script()
    rows = script.main([str(zi2zi_run), "--out", str(tmp_path / "per-font")])
    assert [r["font"] for r in rows] == FONTS
    for row in rows:
        config = read_toml(tmp_path / "per-font" / row["font"] / "config.toml")
        assert config["recipe"] == "pix2pix" and config["train"]["steps"] == 12 // 3
        assert config["data"]["glyphs"]["targets"] == [row["font"]]
        assert config["nets"]["G"]["width"] == 8 and config["pix2pix"]["l1"] == 100.0
        assert 0 <= row["pix2pix_l1"] <= 1 and 0 <= row["zi2zi_ssim"] <= 1 and row["n"] > 0
    table = (tmp_path / "per-font" / "table.md").read_text()
    assert "| mean of fonts |" in table and "4 steps each" in table
    assert "SSIM pix2pix" in capsys.readouterr().out


@needs_cjk
def test_the_per_font_comparison_refuses_a_zi2zi_run_not_at_its_last_step(zi2zi_run):
    script = _per_font_script()
    assert script.latest_pairs(zi2zi_run, 12)["step"] == 12
    with pytest.raises(SystemExit, match="not trained to its last step"):
        script.latest_pairs(zi2zi_run, 24)  # a run still training is never scored mid-way
