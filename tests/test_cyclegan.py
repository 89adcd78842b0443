"""CycleGAN: the ResNet generator, the losses, pools in checkpoints (bit-exact resume), the
unpaired data (domain folders, class domains, unpaired glyphs), both translators, the
evaluation (cycle error, target-class rate, pairs where they exist) and the refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from gankit.cli import main
from gankit.config import config_from_dict
from gankit.data import build_source, data_spec, held_out_source
from gankit.errors import GankitError
from gankit.nets.resnet_translator import ResNetTranslator
from gankit.recipes import build_recipe
from gankit.train import train
from gankit.train import trainer as trainer_module
from tests.conftest import make_unpaired_folders
from tests.test_glyphs_edges import HANZI, needs_cjk
from tests.test_trainer import _StopAtCheck

NETS = {"G": {"arch": "resnet", "width": 4, "blocks": 1}, "F": {"arch": "resnet", "width": 4, "blocks": 1},
        "D_A": {"arch": "patchgan", "width": 4, "layers": 2, "norm": "instance"},
        "D_B": {"arch": "patchgan", "width": 4, "layers": 2, "norm": "instance"}}


def _cyclegan(data: dict, cyclegan: dict | None = None, **train_values):
    return config_from_dict({
        "recipe": "cyclegan", "data": data, "nets": NETS, "cyclegan": cyclegan or {},
        "train": {"device": "cpu", "precision": "fp32", "steps": 6, "batch_size": 2, "log_every": 1,
                  "sample_every": 3, "checkpoint_every": 3, "tensorboard": False, **train_values}})


@pytest.fixture
def domains(tmp_path):
    return {"dataset": "unpaired", "root": str(make_unpaired_folders(tmp_path / "u")), "image_size": 16}


def test_the_resnet_generator_has_the_papers_layout():
    net = ResNetTranslator(3, 3, width=64, blocks=9)
    # the reference implementation reports 11.378 M parameters for G_A and 2.765 M for D_A
    assert sum(p.numel() for p in net.parameters()) == 11_378_179
    from gankit.nets.patchgan import PatchDiscriminator

    assert sum(p.numel() for p in PatchDiscriminator(3, 64, 3, "instance").parameters()) == 2_764_737
    small = ResNetTranslator(1, 3, width=8, blocks=2)
    y = small(torch.randn(2, 1, 20, 20))
    assert y.shape == (2, 3, 20, 20) and y.abs().max() <= 1
    assert isinstance(small.body[0], torch.nn.ReflectionPad2d)
    norms = sum(isinstance(m, torch.nn.InstanceNorm2d) for m in small.modules())
    assert norms == 5 + 2 * 2  # stem, 2 down, 2 up; 2 per block


def test_the_generator_loss_is_adversarial_plus_cycle_plus_identity(domains, tmp_path):
    run = tmp_path / "run"
    train(_cyclegan(domains, {"cycle": 10.0, "identity": 0.5}), run, progress=False)
    row = json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])
    expected = row["loss_g_gan"] + 10 * row["loss_cycle"] + 5 * row["loss_identity"]
    assert row["loss_g"] == pytest.approx(expected, rel=1e-5)
    assert sorted(p.name for p in (run / "checkpoints/latest").glob("*.safetensors")) == [
        "D_A.safetensors", "D_B.safetensors", "F.safetensors", "G.safetensors"]
    models = json.loads((run / "checkpoints/latest/model.json").read_text())["models"]
    assert models["AB"]["net"] == "G" and models["BA"]["net"] == "F"


def test_cycle_training_learns_the_mapping_between_dark_and_bright(domains, tmp_path):
    """On dark (A) vs bright (B) squares G must brighten and F darken within a few dozen steps."""
    run = tmp_path / "run"
    train(_cyclegan(domains, steps=40, sample_every=100, checkpoint_every=40), run, progress=False)
    from gankit.inference import load

    test = held_out_source(_cyclegan(domains).data)
    a, b = test.parts["A"].first(4)["A"], test.parts["B"].first(4)["B"]
    g, f = load(run, model="AB"), load(run, model="BA")
    assert g.translate(a).mean() > a.mean() + 0.5 and f.translate(b).mean() < b.mean() - 0.5


def test_cyclegan_resumes_bit_exactly_with_its_pools(domains, tmp_path, monkeypatch):
    from gankit.errors import TrainingInterrupted
    from gankit.train.checkpoint import load_state

    cfg = _cyclegan(domains, {"pool": 3}, steps=8)
    straight, split = tmp_path / "a", tmp_path / "b"
    train(cfg, straight, progress=False)
    with monkeypatch.context() as patch:
        patch.setattr(trainer_module, "StopRequests", _StopAtCheck(5))
        with pytest.raises(TrainingInterrupted):
            train(cfg, split, progress=False)
    pools = load_state(split / "checkpoints/latest")["recipe"]["pools"]
    assert pools["A"]["images"].shape == (3, 3, 16, 16)  # full after 5 steps of 2
    train(cfg, split, resume=True, progress=False)
    for name in ("G", "F", "D_A", "D_B"):
        a = load_file(straight / "checkpoints/latest" / f"{name}.safetensors")
        b = load_file(split / "checkpoints/latest" / f"{name}.safetensors")
        assert all(torch.equal(a[k], b[k]) for k in a), name


def test_wgan_gp_really_applies_its_penalty(domains):
    from gankit.objectives.penalties import gradient_penalty

    cfg = _cyclegan(domains, {"loss": "wgan_gp", "gp_weight": 10.0})
    recipe = build_recipe(cfg, data_spec(cfg.data))
    real, fake = torch.randn(2, 3, 16, 16), torch.randn(2, 3, 16, 16)
    torch.manual_seed(0)
    with_gp = recipe.critic_loss("D_B", real, fake)
    critic = recipe.nets["D_B"]
    plain = 0.5 * (critic(fake).mean() - critic(real).mean())
    torch.manual_seed(0)
    penalty = gradient_penalty(critic, real, fake)
    assert float(penalty.detach()) > 0
    assert float(with_gp) == pytest.approx(float(plain + 10.0 * penalty), rel=1e-5)
    assert type(recipe).double_backward(cfg)


@pytest.mark.parametrize("overrides, message", [
    ({"cyclegan": {"loss": "wgan_gp"}, "nets": {"D_B": {"norm": "batch"}}},
     "a WGAN-GP critic must not use batch norm"),
    ({"cyclegan": {"identity": 0.5}, "channels": "mixed"}, "identity terms need A and B of one shape"),
])
def test_refusals(domains, tmp_path, overrides, message):
    from gankit.recipes import recipe_class

    if overrides.get("channels") == "mixed":  # domain A grayscale, B colour
        from PIL import Image

        for path in (tmp_path / "u" / "trainA").iterdir():
            Image.open(path).convert("L").save(path)
    nets = {**NETS, **{k: {**NETS[k], **v} for k, v in overrides.get("nets", {}).items()}}
    with pytest.raises(GankitError, match=message):
        cfg = config_from_dict({"recipe": "cyclegan", "data": domains, "nets": nets,
                                "cyclegan": overrides["cyclegan"]})
        recipe_class("cyclegan").check(cfg, data_spec(cfg.data))


def test_class_domains_hold_one_class_each(idx_dir):
    from gankit.data.mnist import load_idx_split

    data = {"dataset": "classes", "root": str(idx_dir), "image_size": 28, "classes": {"a": 7, "b": 9}}
    cfg = _cyclegan(data).data
    source = build_source(cfg)
    assert data_spec(cfg).kind == "unpaired" and source.spec.kind == "unpaired"
    images, labels = load_idx_split("fashion-mnist", "train", str(idx_dir))
    assert len(source.parts["A"]) == int((labels == 7).sum())
    assert len(source.parts["B"]) == int((labels == 9).sum())
    first_seven = images[labels == 7][0].astype(np.float32) / 127.5 - 1
    assert np.allclose(source.parts["A"].first(1)["A"][0, 0].numpy(), first_seven, atol=1e-6)
    test = held_out_source(cfg)
    assert len(test.parts["B"]) == int((load_idx_split("fashion-mnist", "test", str(idx_dir))[1] == 9).sum())
    with pytest.raises(GankitError, match="both class 7"):
        build_source(_cyclegan({**data, "classes": {"a": 7, "b": 7}}).data)


@needs_cjk
def test_unpaired_glyphs_never_show_a_pair_and_keep_test_truth():
    from gankit.data.glyph_source import domain_of

    data = {"dataset": "glyphs", "image_size": 32,
            "glyphs": {"charset": HANZI, "targets": ["ukai"], "unpaired": True}}
    cfg = _cyclegan(data).data
    train_set, test = build_source(cfg), held_out_source(cfg)
    assert train_set.spec.kind == "unpaired" and test.spec.kind == "paired"
    paired = build_source(_cyclegan({**data, "glyphs": {**data["glyphs"], "unpaired": False}}).data)
    halves = domain_of(paired.fields["char"].numpy())
    # domain A = the source glyphs of one half, B = the target glyphs of the other half
    assert torch.equal(train_set.parts["A"].fields["A"], paired.fields["A"][torch.from_numpy(halves == 0)])
    assert torch.equal(train_set.parts["B"].fields["B"], paired.fields["B"][torch.from_numpy(halves == 1)])
    assert 0 < (halves == 0).sum() < len(halves)
    assert {"A", "B", "char"} <= set(test.fields)


def test_translate_both_directions_and_the_cycle_error(capsys, domains, tmp_path):
    from gankit.evaluate.translation import cycle_error
    from gankit.inference import load

    run = tmp_path / "run"
    train(_cyclegan(domains), run, progress=False)
    g, f = load(run, model="AB"), load(run, model="BA")
    a = held_out_source(_cyclegan(domains).data).parts["A"].first(4)["A"]
    measured = cycle_error(g, f)({"input": a}, g.translate(a), None)["cycle_l1"]
    assert measured == pytest.approx(float((f.translate(g.translate(a)) - a).abs().mean()) / 2)
    for direction, folder in (("AB", "testA"), ("BA", "testB")):
        out = tmp_path / f"to-{direction}"
        assert main(["translate", str(run), "--input", str(tmp_path / "u" / folder), "--out", str(out),
                     "--direction", direction]) == 0
        assert len(list(out.glob("*.png"))) == 4


def test_eval_of_class_domains_reports_target_class_rate_and_cycle_error(capsys, idx_dir, tmp_path):
    from gankit.evaluate.run import evaluate_run
    from gankit.evaluate.translation import TranslationEvalOptions
    from gankit.inference import load
    from gankit.metrics.fmnist_net import load_classifier_weights

    data = {"dataset": "classes", "root": str(idx_dir), "image_size": 28, "classes": {"a": 7, "b": 9}}
    cfg = _cyclegan(data)
    run = tmp_path / "run"
    train(cfg, run, progress=False)
    result = evaluate_run(run, None, 0, TranslationEvalOptions(metrics=["fid", "kid"], features="auto"),
                          model="BA")
    assert result["features"] == "fmnist" and "l1" not in result and result["pairs"].startswith("none")
    assert result["target_class"] == 7 and "cycle_l1" in result
    boots = held_out_source(cfg.data).parts["B"].first(10_000)["B"]
    net, _ = load_classifier_weights()
    with torch.no_grad():
        predicted = net(load(run, model="BA").translate(boots)).argmax(1)
    assert result["target_class_rate"] == pytest.approx(float((predicted == 7).float().mean()))
    assert main(["eval", str(run), "--metrics", "l1"]) == 2
    assert "unpaired test sets" in capsys.readouterr().err
