"""Conditional and semi-supervised GANs: nets, losses, labelled subsets, sampling by class,
classifiers of semi-supervised runs, and their errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import gankit
from gankit.cli import main
from gankit.config import config_from_dict
from gankit.data import data_spec
from gankit.data.labelled import labelled_subset
from gankit.errors import GankitError
from gankit.nets.conditional import (
    AuxClassifierDiscriminator,
    CBNGenerator,
    EveryLayerConcatDiscriminator,
    EveryLayerConcatGenerator,
    ProjectionDiscriminator,
)
from gankit.presets import load_preset
from gankit.recipes.acgan import class_loss
from gankit.recipes.cgan import ConditionalGANRecipe
from gankit.recipes.ssgan import unsupervised_loss

TINY = ["nets.G.width=8", "nets.D.width=8", "nets.G.latent_dim=8", "train.batch_size=16",
        "train.tensorboard=false", "train.grid_size=20", "train.log_every=1"]


@pytest.mark.parametrize("conditioning", ["concat", "concat_all", "projection"])
def test_labels_change_the_sample_for_the_same_z(conditioning):
    cfg = config_from_dict({"recipe": "cgan", "data": {"image_size": 28},
                            "nets": {"G": {"width": 8, "latent_dim": 8}, "D": {"width": 8, "norm": "none"}},
                            "cgan": {"conditioning": conditioning}})
    gen = ConditionalGANRecipe(cfg, data_spec(cfg.data)).nets["G"].eval()
    for module in gen.modules():  # class embeddings start equal (gain 1, bias 0): as after training
        if isinstance(module, torch.nn.Embedding):
            torch.nn.init.normal_(module.weight, 0.0, 0.5)
    z = torch.randn(1, 8).repeat(10, 1)
    with torch.no_grad():
        out = gen(z, torch.arange(10))
    assert out.shape == (10, 1, 28, 28)
    assert all((out[0] - out[c]).abs().max() > 1e-4 for c in range(1, 10))
    with torch.no_grad():
        again = gen(z, torch.arange(10))
    torch.testing.assert_close(out, again)


def test_every_layer_concatenation_reaches_past_the_first_layer():
    """With the label's weights in the first layer zeroed, the label still changes G's image
    and D's logit: it also joins every later layer."""
    gen = EveryLayerConcatGenerator(8, 10, (1, 28, 28), width=8).eval()
    disc = EveryLayerConcatDiscriminator((1, 28, 28), 10, width=8)
    assert [conv.in_channels for conv in disc.convs] == [1 + 10, 8 + 10]
    assert disc.head.in_channels == 16 + 10
    with torch.no_grad():
        gen.ups[0].weight[8:].zero_()  # ConvTranspose2d weight: (in, out, k, k); rows 8.. are y
        disc.convs[0].weight[:, 1:].zero_()  # Conv2d weight: (out, in, k, k); channels 1.. are y
        z, x = torch.randn(1, 8).repeat(2, 1), torch.randn(1, 1, 28, 28).repeat(2, 1, 1, 1)
        labels = torch.tensor([2, 7])
        images, logits = gen(z, labels), disc(x, labels)
        features = disc.features(x, labels)
    assert (images[0] - images[1]).abs().max() > 1e-4
    assert (logits[0] - logits[1]).abs() > 1e-6
    assert (features[0] - features[1]).abs().max() > 1e-6


def test_cbn_generator_can_also_take_the_label_beside_z():
    gen = CBNGenerator(8, 10, (1, 28, 28), width=8, label_in_latent=True).eval()
    assert gen.ups[0].in_channels == 8 + 10
    for norm in gen.norms:  # class-blind norms: only the label beside z can tell classes apart
        torch.nn.init.ones_(norm.gain.weight)
        torch.nn.init.zeros_(norm.bias.weight)
    with torch.no_grad():
        out = gen(torch.randn(1, 8).repeat(2, 1), torch.tensor([3, 4]))
    assert (out[0] - out[1]).abs().max() > 1e-4


def test_conditional_batch_norm_is_batch_norm_with_a_gain_and_bias_per_class():
    gen = CBNGenerator(8, 10, (1, 28, 28), width=8)
    norm = gen.norms[0]
    x, y = torch.randn(6, norm.norm.num_features, 3, 3), torch.tensor([0, 1, 1, 4, 9, 0])
    expected = (F.batch_norm(x, None, None, training=True) * norm.gain.weight[y][:, :, None, None]
                + norm.bias.weight[y][:, :, None, None])
    torch.testing.assert_close(norm(x, y), expected)


def test_projection_term_is_the_inner_product_of_embedding_and_features():
    disc = ProjectionDiscriminator((1, 28, 28), 10, width=8)
    x, y = torch.randn(5, 1, 28, 28), torch.tensor([0, 3, 3, 9, 5])
    phi = disc.features(x)
    expected = disc.linear(phi).view(-1) + (disc.embed.weight[y] * phi).sum(1)
    torch.testing.assert_close(disc(x, y), expected)
    other = disc(x, (y + 1) % 10) - disc(x, y)
    torch.testing.assert_close(other, ((disc.embed.weight[(y + 1) % 10] - disc.embed.weight[y]) * phi).sum(1))


def test_acgan_class_loss_applies_softmax_once():
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 1.0, -1.0]])
    labels = torch.tensor([0, 2])
    manual = -(torch.log(torch.exp(logits[0, 0]) / torch.exp(logits[0]).sum())
               + torch.log(torch.exp(logits[1, 2]) / torch.exp(logits[1]).sum())) / 2
    torch.testing.assert_close(class_loss(logits, labels), manual)
    # D hands out raw logits: no softmax layer inside, rows do not sum to 1
    disc = AuxClassifierDiscriminator((1, 28, 28), 10, width=8)
    assert not any(isinstance(m, (torch.nn.Softmax, torch.nn.LogSoftmax)) for m in disc.modules())
    _, class_logits = disc(torch.randn(4, 1, 28, 28))
    assert not torch.allclose(class_logits.softmax(1).sum(1), class_logits.sum(1))


def test_ssl_unsupervised_loss_matches_the_k_plus_one_class_form():
    real, fake = torch.randn(6, 10), torch.randn(6, 10)
    # the same loss with an explicit fake class whose logit is 0
    with_fake = lambda lg: torch.cat([lg, torch.zeros(len(lg), 1)], 1).log_softmax(1)  # noqa: E731
    expected = -(torch.logsumexp(with_fake(real)[:, :10], 1).mean() + with_fake(fake)[:, 10].mean())
    torch.testing.assert_close(unsupervised_loss(real, fake), expected)


def test_labelled_subset_is_balanced_seeded_and_checked():
    labels = torch.from_numpy(np.random.default_rng(0).integers(0, 10, 2000))
    a = labelled_subset(labels, 20, 10, seed=1)
    assert len(a) == 200 and len(set(a.tolist())) == 200
    assert torch.bincount(labels[a], minlength=10).tolist() == [20] * 10
    torch.testing.assert_close(a, labelled_subset(labels, 20, 10, seed=1))
    assert not torch.equal(a, labelled_subset(labels, 20, 10, seed=2))
    smallest = int(torch.bincount(labels).min())
    with pytest.raises(GankitError, match=f"labels_per_class = {smallest + 1}, but class .* has only"):
        labelled_subset(labels, smallest + 1, 10, seed=0)


def test_labelled_images_come_from_the_training_split_only(idx_dir, tmp_path):
    from gankit.data.mnist import load_idx_split
    from gankit.train import Trainer

    cfg = load_preset("ssgan-fashion-mnist-100", [*TINY, f'data.root="{idx_dir}"',
                                                   "data.labels_per_class=2", "train.steps=1"])
    trainer = Trainer(cfg, tmp_path / "ssl", progress=False)
    train_images, train_labels = load_idx_split("fashion-mnist", "train", str(idx_dir))
    test_images, _ = load_idx_split("fashion-mnist", "test", str(idx_dir))
    labelled = trainer.stream.streams[1].source.fields  # the labelled subset beside the full set
    assert len(labelled["label"]) == 20
    assert torch.bincount(labelled["label"], minlength=10).tolist() == [2] * 10
    batch = next(trainer.stream.iterate(0))
    assert set(batch) == {"image", "labelled_image", "labelled_label"}
    rounded = ((labelled["image"][:, 0] + 1) * 127.5).round().to(torch.uint8).numpy()
    train_set = {im.tobytes(): label for im, label in zip(train_images, train_labels, strict=True)}
    test_set = {im.tobytes() for im in test_images}
    assert all(train_set[im.tobytes()] == int(y) for im, y in zip(rounded, labelled["label"], strict=True))
    assert not any(im.tobytes() in test_set for im in rounded)


def _train(preset, run, idx_dir, steps, *overrides, flags=()):
    """Train a tiny version of `preset` through the CLI."""
    argv = ["train", "--preset", preset, "--out", str(run), "--no-progress",
            "--data-dir", str(idx_dir), "--steps", str(steps), *flags]
    for item in (*TINY, *overrides):
        argv += ["--set", item]
    assert main(argv) == 0
    return run


@pytest.fixture
def cgan_run(tmp_path, idx_dir):
    return _train("cgan-fashion-mnist", tmp_path / "cgan", idx_dir, 2)


def test_sampling_a_conditional_run_by_class(capsys, cgan_run, tmp_path):
    out = tmp_path / "s.npz"
    grid = tmp_path / "g.png"
    assert main(["sample", str(cgan_run), "--n", "30", "--out", str(out), "--grid", str(grid)]) == 0
    with np.load(out) as data:
        assert data["images"].shape == (30, 28, 28, 1)
        assert np.bincount(data["labels"]).tolist() == [3] * 10
    assert main(["sample", str(cgan_run), "--n", "5", "--out", str(out), "--class", "7"]) == 0
    with np.load(out) as data:
        assert data["labels"].tolist() == [7] * 5
    from PIL import Image
    assert Image.open(grid).size == ((28 + 2) * 3 * 2 + 4, (28 + 2) * 10 * 2 + 4)
    capsys.readouterr()
    assert main(["sample", str(cgan_run), "--n", "5", "--out", str(out), "--class", "10"]) == 2
    assert "--class 10 is out of range" in capsys.readouterr().err


def test_eval_of_a_conditional_run_reports_class_accuracy(capsys, cgan_run):
    assert main(["eval", str(cgan_run), "--features", "fmnist", "--n", "20", "--metrics", "fid"]) == 0
    row = json.loads((cgan_run / "eval.jsonl").read_text().splitlines()[-1])
    assert 0.0 <= row["class_accuracy"] <= 1.0 and "class acc." in capsys.readouterr().out


def test_class_option_on_an_unconditional_run_is_refused(capsys, tmp_path, idx_dir):
    run = _train("dcgan-fashion-mnist", tmp_path / "gan", idx_dir, 1, "data.image_size=28")
    capsys.readouterr()
    assert main(["sample", str(run), "--out", str(tmp_path / "x.npz"), "--class", "1"]) == 2
    assert "--class: " in capsys.readouterr().err


def test_ssgan_run_trains_evaluates_and_gives_its_classifiers(capsys, tmp_path, idx_dir):
    run = _train("ssgan-fashion-mnist-100", tmp_path / "ssl", idx_dir, 3, flags=["--labels-per-class", "2"])
    assert "semi-supervised GAN" in capsys.readouterr().out
    assert "labels_per_class = 2\n" in (run / "config.toml").read_text()
    assert main(["eval", str(run)]) == 0
    printed = capsys.readouterr().out
    assert "supervised only" in printed
    row = json.loads((run / "eval.jsonl").read_text().splitlines()[-1])
    assert row["metric"] == "ssl_accuracy" and row["test_images"] == 32
    classifier = gankit.load_classifier(run)
    images = torch.rand(4, 1, 28, 28) * 2 - 1
    logits = classifier(images)
    assert logits.shape == (4, 10)
    torch.testing.assert_close(gankit.load_classifier(run)(images), logits)
    assert not torch.equal(gankit.load_classifier(run, baseline=True)(images), logits)
    from gankit.data import build_source
    from gankit.evaluate import classifier_accuracy

    cfg = load_preset("ssgan-fashion-mnist-100", [f'data.root="{idx_dir}"', "data.split=\"test\""])
    test = build_source(cfg.data)
    assert classifier_accuracy(classifier, test.fields["image"], test.fields["label"]) == pytest.approx(
        row["accuracy"])


def test_ssgan_resume_is_exact(tmp_path, idx_dir):
    from safetensors.torch import load_file

    from gankit.train import train

    cfg = load_preset("ssgan-fashion-mnist-100", [*TINY, f'data.root="{idx_dir}"',
                                                   "data.labels_per_class=2", "train.steps=4",
                                                   "train.checkpoint_every=2"])
    train(cfg, tmp_path / "a", progress=False)
    cfg.train.steps = 2
    train(cfg, tmp_path / "b", progress=False)
    cfg.train.steps = 4
    train(cfg, tmp_path / "b", resume=True, progress=False)
    for name in ("G", "D", "baseline"):
        a = load_file(tmp_path / "a" / "checkpoints" / "latest" / f"{name}.safetensors")
        b = load_file(tmp_path / "b" / "checkpoints" / "latest" / f"{name}.safetensors")
        assert all(torch.equal(a[k], b[k]) for k in a), name


@pytest.mark.parametrize("values, message", [
    ({"recipe": "cgan", "data": {"dataset": "folder"}}, "needs class labels, which folder data"),
    ({"recipe": "ssgan"}, "data.labels_per_class: the semi-supervised recipe needs"),
    ({"recipe": "acgan", "acgan": {"gradient_penalty": 10.0}, "nets": {"D": {"norm": "none"}}},
     "unknown config key 'acgan.gradient_penalty'"),
    ({"recipe": "cgan", "cgan": {"pack": 2}}, "unknown config key 'cgan.pack'"),
    ({"recipe": "gan", "gan": {"conditioning": "projection"}}, "unknown config key 'gan.conditioning'"),
    ({"recipe": "cgan", "cgan": {"conditioning": "concat_all"},
      "nets": {"G": {"arch": "mlp"}, "D": {"arch": "mlp"}}}, "is built on the dcgan nets"),
    ({"recipe": "cgan", "cgan": {"conditioning": "concat_all"}, "nets": {"D": {"minibatch_kernels": 8}}},
     "without minibatch discrimination"),
    ({"recipe": "acgan", "nets": {"G": {"latent_prior": "uniform"}}},
     "unconditional gan and infogan recipes"),
    ({"recipe": "cgan", "cgan": {"cbn_label_in_latent": True}}, "is for the conditional batch-norm G"),
])
def test_conditional_config_mistakes_fail_before_training(values, message):
    with pytest.raises(GankitError, match=message):
        config_from_dict(values)


def test_too_many_labels_per_class_is_one_line(capsys, tmp_path, idx_dir):
    argv = ["train", "--preset", "ssgan-fashion-mnist-100", "--out", str(tmp_path / "r"),
            "--data-dir", str(idx_dir), "--labels-per-class", "500", "--steps", "1"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "data.labels_per_class = 500, but class" in err and err.count("\n") == 1


def test_label_concatenation_works_with_mlp_nets(tmp_path, idx_dir):
    from gankit.train import train

    cfg = config_from_dict({"recipe": "cgan", "data": {"root": str(idx_dir), "image_size": 28},
                            "nets": {"G": {"arch": "mlp", "latent_dim": 8, "hidden": [16]},
                                     "D": {"arch": "mlp", "hidden": [16]}},
                            "train": {"steps": 2, "batch_size": 16, "tensorboard": False,
                                      "grid_size": 10}})
    assert train(cfg, tmp_path / "mlp", progress=False).step == 2
    gen = gankit.load_generator(tmp_path / "mlp")
    with torch.no_grad():
        assert gen(torch.zeros(2, 8), torch.tensor([1, 2])).shape == (2, 1, 28, 28)
