"""Super-resolution: SRResNet at every power-of-two scale, the photo crops (LR = bicubic of
HR), tiled upscaling equal to untiled with an exact output size, the SR eval protocol with
its bicubic baseline, SRGAN started from an SRResNet run, and the VGG19 weight check."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import torch
from PIL import Image

from gankit.cli import main
from gankit.config import config_from_dict
from gankit.data import build_source, held_out_source
from gankit.data.superres import downscale
from gankit.errors import GankitError
from gankit.inference.upscale import upscale
from gankit.nets.srresnet import SRDiscriminator, SRResNet
from gankit.train import train


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """Ten smooth synthetic 'photos' of different sizes (gradients and blobs)."""
    root = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(0)
    for i in range(10):
        h, w = 120 + 8 * i, 160 - 4 * i
        yy, xx = np.mgrid[0:h, 0:w]
        image = np.stack([127 + 100 * np.sin(xx / (9 + i) + c) * np.cos(yy / 13) for c in range(3)], -1)
        image += rng.normal(0, 4, image.shape)
        Image.fromarray(image.clip(0, 255).astype(np.uint8)).save(root / f"photo{i}.png")
    return root


def _data(photos, **superres):
    return {"dataset": "superres", "root": str(photos), "held_out": 0.3,
            "superres": {"scale": 4, "crop": 32, "test_crop": 64, "max_side": 200, "crops_per_photo": 4,
                         **superres}}


def _sr(photos, recipe="srresnet", options=None, **train_values):
    nets = {"G": {"arch": "srresnet", "scale": 4, "width": 8, "blocks": 2}}
    if recipe == "srgan":
        nets["D"] = {"arch": "srgan", "width": 4}
    return config_from_dict({"recipe": recipe, "data": _data(photos), "nets": nets, recipe: options or {},
                             "train": {"device": "cpu", "precision": "fp32", "steps": 4, "batch_size": 4,
                                       "log_every": 2, "sample_every": 4, "checkpoint_every": 4,
                                       "tensorboard": False, **train_values}})


@pytest.mark.parametrize("scale", [2, 4, 8])
def test_srresnet_upscales_any_size_by_its_scale(scale):
    net = SRResNet(3, 3, scale, width=8, blocks=2).eval()
    assert net(torch.randn(1, 3, 13, 7)).shape == (1, 3, 13 * scale, 7 * scale)
    assert SRDiscriminator(3, 4)(torch.randn(2, 3, 96, 96)).shape == (2,)
    with pytest.raises(ValueError, match="power of two"):
        SRResNet(3, 3, 3)


def test_crops_pair_hr_with_its_bicubic_lr_and_hold_photos_out(photos):
    cfg = _sr(photos).data
    train_set, test = build_source(cfg), held_out_source(cfg)
    assert train_set.spec.shapes == {"A": (3, 8, 8), "B": (3, 32, 32)}
    assert len(train_set.dataset.files) + len(test.dataset.files) == 10 and len(test.dataset.files) > 0
    assert not set(train_set.dataset.files) & set(test.dataset.files)
    from gankit.data.stream import BatchStream

    batch = next(BatchStream(train_set, 4, seed=0).iterate(0))
    assert torch.allclose(batch["A"], downscale(batch["B"], 4), atol=1e-6)
    first = test.first(2)
    assert first["B"].shape == (2, 3, 64, 64) and torch.equal(first["B"], test.first(2)["B"])  # the centre


def test_a_crop_that_is_not_a_multiple_of_the_scale_is_refused(photos):
    with pytest.raises(GankitError, match="not a multiple of the scale"):
        config_from_dict({"recipe": "srresnet", "data": _data(photos, crop=30),
                          "nets": {"G": {"arch": "srresnet", "scale": 4}}})


def test_tiled_upscaling_equals_untiled_and_keeps_the_exact_size():
    torch.manual_seed(0)
    net = SRResNet(3, 3, 4, width=8, blocks=3).eval()
    for module in net.modules():  # non-trivial batch-norm statistics
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.1, 0.1)
            module.running_var.uniform_(0.5, 1.5)
    image = torch.rand(3, 101, 77) * 2 - 1
    whole = upscale(net, image, 4, tile=0)
    tiled = upscale(net, image, 4, tile=32, overlap=16)
    assert tiled.shape == (3, 404, 308)
    assert float((tiled - whole).abs().max()) < 1e-5


def test_the_bicubic_skip_starts_at_bicubic_and_still_tiles_exactly():
    torch.manual_seed(0)
    net = SRResNet(3, 3, 4, width=8, blocks=2, bicubic_skip=True).eval()
    image = torch.rand(3, 60, 44) * 2 - 1
    bicubic = torch.nn.functional.interpolate(image[None], scale_factor=4, mode="bicubic")
    assert float((net(image[None]) - bicubic).abs().mean()) < 0.02  # a small residual at the start
    assert float((SRResNet(3, 3, 4, 8, 2)(image[None]) - bicubic).abs().mean()) > 0.1  # without: far off
    whole, tiled = upscale(net, image, 4, tile=0), upscale(net, image, 4, tile=16, overlap=16)
    assert float((tiled - whole).abs().max()) < 1e-5


def test_srresnet_trains_and_evaluates_against_bicubic(capsys, photos, tmp_path):
    run = tmp_path / "sr"
    train(_sr(photos, steps=30, log_every=10, sample_every=30, checkpoint_every=30), run, progress=False)
    rows = [json.loads(r) for r in (run / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["loss_mse"] < rows[0]["loss_mse"]
    assert main(["eval", str(run), "--metrics", "psnr,ssim"]) == 0
    record = json.loads((run / "eval.jsonl").read_text().splitlines()[-1])
    assert record["pair_protocol"]["y_channel"] and record["pair_protocol"]["border"] == 4
    assert record["bicubic_psnr"] > 0 and "PSNR bic." in capsys.readouterr().out
    big = tmp_path / "big.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (90, 130, 3)).astype(np.uint8)).save(big)
    assert main(["translate", str(run), "--input", str(big), "--out", str(tmp_path / "up")]) == 0
    assert Image.open(tmp_path / "up" / "big.png").size == (520, 360)


def _vgg_file(folder, seed: int = 0):
    """Random weights in torchvision's VGG19 layout, named by their own SHA-256 prefix."""
    from gankit.nets.vgg import VGG19Features

    torch.manual_seed(seed)
    state = {f"features.{k}": v for k, v in VGG19Features().features.state_dict().items()}
    tmp = folder / "vgg.pth"
    torch.save(state, tmp)
    digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
    path = folder / f"vgg19-{digest[:8]}.pth"
    tmp.rename(path)
    return path, digest


def test_srgan_starts_from_srresnet_and_says_which_content_loss_ran(photos, tmp_path, monkeypatch):
    monkeypatch.delenv("GANKIT_VGG19_WEIGHTS", raising=False)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    base = tmp_path / "base"
    train(_sr(photos, steps=2), base, progress=False)
    from gankit.data import data_spec
    from gankit.inference import load
    from gankit.recipes import build_recipe

    cfg = _sr(photos, "srgan", {"init_from": str(base)})
    recipe = build_recipe(cfg, data_spec(cfg.data))
    start = load(base).net.state_dict()
    assert all(torch.equal(v, recipe.nets["G"].state_dict()[k]) for k, v in start.items())
    assert recipe.content == "d_features"  # no VGG19 weights anywhere
    run = tmp_path / "gan"
    train(cfg, run, progress=False)
    model = json.loads((run / "checkpoints/latest/model.json").read_text())["models"]["translator"]
    assert model["content_loss"] == "d_features"
    assert "loss_content_d_features" in (run / "metrics.jsonl").read_text()
    path, digest = _vgg_file(tmp_path)
    cfg = _sr(photos, "srgan", {"content": "vgg", "vgg_weights": str(path)})
    recipe = build_recipe(cfg, data_spec(cfg.data))
    assert recipe.content == "vgg" and recipe.vgg.digest == digest
    assert recipe.model_notes()["vgg19_sha256"] == digest
    wrong = tmp_path / "vgg19-00000000.pth"
    path.rename(wrong)
    with pytest.raises(GankitError, match="does not match the prefix in its name"):
        build_recipe(_sr(photos, "srgan", {"content": "vgg", "vgg_weights": str(wrong)}), data_spec(cfg.data))
    with pytest.raises(GankitError, match="VGG19 weights .* not found"):
        build_recipe(_sr(photos, "srgan", {"content": "vgg"}), data_spec(cfg.data))


def test_the_copy_baseline_of_sr_data_is_bicubic_with_the_runs_protocol(photos, tmp_path):
    from gankit.compare import _copy_row
    from gankit.evaluate.translation import TranslationEvalOptions, copy_baseline

    cfg = _sr(photos, steps=1)
    record = copy_baseline(cfg.data, TranslationEvalOptions(metrics=["psnr", "ssim"]))
    assert record["pair_protocol"]["y_channel"] and record["pair_protocol"]["border"] == 4
    row = _copy_row(cfg, lambda _line: None, seed=0)
    assert row["preset"] == "bicubic upscaling" and row["psnr"] == pytest.approx(record["psnr"])
