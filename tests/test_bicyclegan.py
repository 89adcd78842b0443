"""BicycleGAN: the two batch halves, E frozen for the z term, the KL term, diversity from random
codes (pix2pix: none in eval mode, some from dropout), reconstruction with the encoded code,
and character datasets written in random or example styles."""

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
NETS = {"G": {"arch": "unet", "width": 8, "norm": "instance", "dropout": 0},
        "D": {"arch": "patchgan", "width": 8, "layers": 2, "norm": "instance"},
        "D2": {"arch": "patchgan", "width": 8, "layers": 2, "norm": "instance"}}


def _bicycle(**train_values):
    return config_from_dict({
        "recipe": "bicyclegan",
        "data": {"dataset": "glyphs", "image_size": 32, "glyphs": {"charset": HANZI, "targets": FONTS}},
        "nets": NETS, "bicyclegan": {"encoder_width": 8, "encoder_blocks": 2},
        "train": {"device": "cpu", "precision": "fp32", "steps": 6, "batch_size": 4, "log_every": 1,
                  "sample_every": 6, "checkpoint_every": 6, "tensorboard": False, **train_values}})


@pytest.fixture(scope="module")
def bicycle_run(tmp_path_factory):
    if needs_cjk.args[0]:
        pytest.skip("CJK fonts not installed")
    run = tmp_path_factory.mktemp("bicycle") / "run"
    train(_bicycle(), run, progress=False)
    return run


def test_kl_matches_torch_distributions():
    from gankit.recipes.bicyclegan import kl_divergence

    mu, logvar = torch.randn(5, 8), torch.randn(5, 8)
    q = torch.distributions.Normal(mu, (0.5 * logvar).exp())
    p = torch.distributions.Normal(torch.zeros(8), torch.ones(8))
    expected = torch.distributions.kl_divergence(q, p).sum(1).mean()
    assert torch.allclose(kl_divergence(mu, logvar), expected, atol=1e-5)


@needs_cjk
def test_the_z_term_sees_e_frozen_and_the_batch_is_split(monkeypatch):
    from gankit.data import data_spec
    from gankit.data.source import build_source
    from gankit.nets.bicycle import ResNetEncoder
    from gankit.recipes import build_recipe

    cfg = _bicycle()
    recipe = build_recipe(cfg, data_spec(cfg.data))
    calls = []
    real_forward = ResNetEncoder.forward

    def recording(self, x):
        calls.append((len(x), next(self.parameters()).requires_grad))
        return real_forward(self, x)

    monkeypatch.setattr(ResNetEncoder, "forward", recording)
    recipe.train_step([build_source(cfg.data).first(4)])
    assert calls == [(2, True), (2, False)]  # E(B) of the cVAE half; E(G(A, z)) of the cLR half, frozen


def test_an_odd_batch_is_refused():
    with pytest.raises(GankitError, match="must be even"):
        _bicycle(batch_size=5)


def test_eval_reports_diversity_and_the_encoded_reconstruction(capsys, bicycle_run, paired_dir, tmp_path):
    assert main(["eval", str(bicycle_run), "--metrics", "l1,ssim"]) == 0
    record = json.loads((bicycle_run / "eval.jsonl").read_text().splitlines()[-1])
    assert record["diversity_l1"] > 0 and record["diversity_draws"] == 10
    assert 0 <= record["encoded_l1"] <= 1 and "encoded_ssim" in record
    assert 0 <= record["fonts_reached"] <= 3 and sorted(record["font_shares"]) == sorted(FONTS)
    assert sum(record["font_shares"].values()) == pytest.approx(1.0)
    assert 0 < record["diversity_font_features"] <= 2  # cosine distances between codes' outputs
    assert "random codes reach" in capsys.readouterr().out
    from tests.test_pix2pix import _pix2pix

    pix = tmp_path / "pix"
    train(_pix2pix(paired_dir, steps=2), pix, progress=False)
    assert main(["eval", str(pix), "--metrics", "l1"]) == 0
    assert "diversity_l1" not in json.loads((pix / "eval.jsonl").read_text().splitlines()[-1])
    assert main(["eval", str(pix), "--metrics", "l1", "--test-mode", "train"]) == 0
    assert json.loads((pix / "eval.jsonl").read_text().splitlines()[-1])["diversity_l1"] > 0  # dropout


def test_diversity_adds_lpips_when_its_weights_are_supplied(bicycle_run, tmp_path):
    from gankit.data import held_out_source
    from gankit.evaluate.translation import diversity
    from gankit.inference import load
    from gankit.metrics.lpips import load_lpips
    from tests.test_metrics_math import _lpips_files

    _lpips_files(tmp_path / "w")
    net = load_lpips(str(tmp_path / "w"), check_alexnet=False)
    translator = load(bicycle_run)
    batch = held_out_source(_bicycle().data).first(3)
    batch = {"input": batch["A"]}
    plain = diversity(translator, codes=3)(batch, None, None)
    both = diversity(translator, codes=3, lpips_net=net)(batch, None, None)
    assert "diversity_lpips" not in plain and both["diversity_l1"] == pytest.approx(plain["diversity_l1"])
    assert both["diversity_lpips"] > 0


def test_characters_in_random_codes_or_in_the_style_of_examples(capsys, bicycle_run, tmp_path):
    out = tmp_path / "codes"
    assert main(["translate", str(bicycle_run), "--chars", "永和九", "--codes", "3", "--out", str(out)]) == 0
    with open(out / "labels.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["style"] for r in rows} == {"code-0", "code-1", "code-2"} and len(rows) == 9
    examples = tmp_path / "kai"
    main(["translate", str(bicycle_run), "--chars", "年岁", "--codes", "1", "--out", str(examples)])
    styled = tmp_path / "styled"
    assert main(["translate", str(bicycle_run), "--chars", "永和", "--style-from", str(examples / "code-0"),
                 "--out", str(styled)]) == 0
    assert sorted(p.name for p in (styled / "from-code-0").iterdir()) == ["U548C.png", "U6C38.png"]
