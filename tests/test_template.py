"""The template recipe (an L1 translator) trains, shows its strip and exports a translator."""

from __future__ import annotations

import json

import torch
from PIL import Image

import gankit
from gankit.train import train
from tests.conftest import tiny_translation_config


def test_template_recipe_trains_shows_a_strip_and_exports_a_translator(paired_dir, tmp_path):
    from gankit.config import config_from_dict, config_to_dict

    values = config_to_dict(tiny_translation_config(paired_dir, steps=30, log_every=10,
                                                    sample_every=30, checkpoint_every=30))
    values["optim"]["lr"] = {"G": 1e-3}
    cfg = config_from_dict(values)
    run = tmp_path / "run"
    train(cfg, run, progress=False)
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["loss_l1"] < rows[0]["loss_l1"]  # B = 255 - A is learnable
    strip = Image.open(run / "samples" / "step-00000030.png")
    assert strip.size[1] > strip.size[0] / 8 * 3 * 0.9  # three rows: input, output, target
    translator = gankit.load(gankit.export(run))
    test = torch.stack([cfg_item["A"] for cfg_item in _held_out(paired_dir)])
    out = translator.translate(test)
    assert out.shape == (8, 1, 16, 16) and out.abs().max() <= 1
    again = gankit.load(run).translate(test)
    torch.testing.assert_close(out, again)


def _held_out(root):
    from gankit.config import DataConfig
    from gankit.data import build_source

    source = build_source(DataConfig(dataset="paired", root=str(root), image_size=16), split="test")
    return [source.item(i) for i in range(len(source))]


def test_a_sampler_command_on_a_translator_run_is_one_line(paired_dir, tmp_path, capsys):
    from gankit.cli import main

    train(tiny_translation_config(paired_dir, steps=2), tmp_path / "run", progress=False)
    assert main(["sample", str(tmp_path / "run"), "--n", "4", "--grid", str(tmp_path / "g.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds no sampler of noise (it holds: translator)" in err
