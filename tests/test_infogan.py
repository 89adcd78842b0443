"""InfoGAN's categorical code: Q's head, the code loss and what reaches which net."""

import json
import math

import pytest
import torch
import torch.nn.functional as F

from gankit.config import config_from_dict
from gankit.data import data_spec
from gankit.errors import GankitError
from gankit.nets import build_net
from gankit.nets.archs import DCGANDiscriminatorOptions, MLPDiscriminatorOptions
from gankit.nets.code_head import CodeHeadDiscriminator
from gankit.nets.layers import CategoricalLatent, categorical_code
from gankit.objectives.terms import CodeLoss, TermContext
from gankit.recipes import build_recipe

TOY = {"recipe": "infogan", "data": {"dataset": "ring8"},
       "nets": {"G": {"arch": "mlp", "latent_dim": 3, "latent_prior": "categorical",
                      "latent_components": 8, "hidden": [32, 32]},
                "D": {"arch": "mlp", "hidden": [32]}}}


def _recipe(**options):
    cfg = config_from_dict({**TOY, "infogan": options.pop("infogan", {}), **options})
    return build_recipe(cfg, data_spec(cfg.data))


def _code_loss(recipe, n):
    """The code loss of G's next `n` fakes, as D's step adds it."""
    z = recipe.sample_latent(n)
    fake = recipe.generate(z)
    _, aux = recipe.critic_fake(fake)
    term = recipe.terms.of_type(CodeLoss)
    return term, term.d_loss(TermContext(fake, fake, recipe.critic, latent=z, fake_aux=aux)), z, fake


def test_categorical_code_is_the_code_g_reads():
    z = torch.randn(1000, 4)
    one_hot = CategoricalLatent(7)(z)[:, 3:]
    assert torch.equal(one_hot.argmax(1), categorical_code(z, 7))


@pytest.mark.parametrize("arch, shape", [("mlp", (2,)), ("dcgan", (1, 28, 28))])
def test_code_head_sits_on_d_features_and_leaves_batch_norm_alone(arch, shape):
    options = MLPDiscriminatorOptions(hidden=[16]) if arch == "mlp" else DCGANDiscriminatorOptions(width=8)
    disc = build_net("discriminator", options, shape)
    stats = {k: v.clone() for k, v in disc.state_dict().items() if "running" in k}
    net = CodeHeadDiscriminator(disc, shape, components=5)
    assert all(torch.equal(net.state_dict()[k], v) for k, v in stats.items())
    assert net.training
    x = torch.randn(6, *shape)
    logits, code_logits = net.eval()(x)
    assert code_logits.shape == (6, 5)
    torch.testing.assert_close(logits, disc.eval()(x))  # D's own logit is unchanged


def test_code_loss_is_weighted_cross_entropy_of_q_on_g_codes_and_reaches_both_nets():
    recipe = _recipe(infogan={"info_weight": 2.0})
    term, code_loss, z, fake = _code_loss(recipe, 64)
    _, code_logits = recipe.nets["D"](fake)
    expected = 2.0 * F.cross_entropy(code_logits, categorical_code(z, 8))
    torch.testing.assert_close(code_loss, expected)
    code_loss.backward()
    for name in ("G", "D"):
        assert any(p.grad is not None and p.grad.abs().sum() > 0
                   for p in recipe.nets[name].parameters()), name
    assert recipe.nets["D"].code_head[1].weight.grad.abs().sum() > 0
    assert set(term.logged) == {"loss_code", "code_acc"}


def test_after_info_until_the_code_loss_trains_q_alone():
    recipe = _recipe(infogan={"info_until": 0.3}, train={"steps": 100})
    disc, gen = recipe.nets["D"], recipe.nets["G"]
    for step, shared in [(0, True), (29, True), (30, False), (99, False)]:
        recipe.step = step
        for p in [*disc.parameters(), *gen.parameters()]:
            p.grad = None
        term, code_loss, _, _ = _code_loss(recipe, 32)
        code_loss.backward()
        assert disc.code_head[1].weight.grad.abs().sum() > 0  # Q learns in every step
        for net in (disc.features, gen):
            assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.parameters()) == shared
        assert 0 <= term.logged["code_acc"] <= 1


def test_info_until_keeps_the_logged_keys_through_a_run(tmp_path):
    from gankit.train.trainer import Trainer

    cfg = config_from_dict({**TOY, "infogan": {"info_until": 0.5},
                            "train": {"steps": 8, "batch_size": 16, "tensorboard": False, "log_every": 1,
                                      "sample_every": 100, "grid_size": 16}})
    Trainer(cfg, tmp_path / "run", progress=False).run()
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert len([row for row in rows if "loss_code" in row and "code_acc" in row]) == 8


def test_infogan_training_makes_codes_recognisable(tmp_path):
    from gankit.train.trainer import Trainer

    cfg = config_from_dict({**TOY, "optim": {"lr": {"G": 1e-3, "D": 1e-3}},
                            "train": {"steps": 250, "batch_size": 64, "tensorboard": False,
                                      "log_every": 10, "sample_every": 1000, "grid_size": 64}})
    Trainer(cfg, tmp_path / "run", progress=False).run()
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    accuracy = [row["code_acc"] for row in rows if "code_acc" in row]
    assert accuracy[0] < 0.6 and min(accuracy[-3:]) > 0.9  # chance is 1/8
    assert all(row["loss_code"] >= 0 for row in rows if "loss_code" in row)


@pytest.mark.parametrize("values, message", [
    ({"recipe": "infogan"}, "learns the codes"),
    ({**TOY, "infogan": {"feature_matching": True}}, "not with recipe infogan"),
    ({**TOY, "infogan": {"pack": 2}}, "unknown config key 'infogan.pack'"),
    ({"recipe": "gan", "gan": {"info_weight": 0.5}}, "unknown config key 'gan.info_weight'"),
    ({**TOY, "infogan": {"info_weight": -1.0}}, "zero or positive"),
    ({**TOY, "infogan": {"info_until": 0.0}}, r"infogan.info_until: must be in \(0, 1\]"),
    ({**TOY, "infogan": {"info_until": 1.5}}, r"infogan.info_until: must be in \(0, 1\]"),
])
def test_infogan_config_mistakes(values, message):
    with pytest.raises(GankitError, match=message):
        config_from_dict(values)


def test_rejection_sampling_refuses_infogan_runs():
    assert "critic" not in _recipe().models()  # its D gives (logit, code logits)


def test_infogan_resume_is_exact_across_the_end_of_the_code_loss(tmp_path, monkeypatch):
    from safetensors.torch import load_file

    from gankit.errors import TrainingInterrupted
    from gankit.train import train
    from gankit.train import trainer as trainer_module
    from tests.test_trainer import _StopAtCheck

    cfg = config_from_dict({**TOY, "infogan": {"info_until": 0.5},
                            "train": {"steps": 8, "batch_size": 16, "tensorboard": False, "log_every": 2,
                                      "sample_every": 100, "grid_size": 16}})
    straight, split = tmp_path / "straight", tmp_path / "split"
    train(cfg, straight, progress=False)
    with monkeypatch.context() as patch:  # stopped at step 3, with the code loss still on
        patch.setattr(trainer_module, "StopRequests", _StopAtCheck(3))
        with pytest.raises(TrainingInterrupted):
            train(cfg, split, progress=False)
    train(cfg, split, resume=True, progress=False)
    for name in ("G", "D"):
        a = load_file(straight / "checkpoints" / "latest" / f"{name}.safetensors")
        b = load_file(split / "checkpoints" / "latest" / f"{name}.safetensors")
        assert a.keys() == b.keys() and any(key.startswith("code_head") for key in a) == (name != "G")
        assert all(torch.equal(a[key], b[key]) for key in a), name


def test_infogan_trains_the_dcgan_nets_on_images_and_samples_load(idx_dir, tmp_path):
    import gankit
    from gankit.config import config_to_dict
    from gankit.train import train
    from tests.conftest import tiny_config

    values = config_to_dict(tiny_config(idx_dir))
    values["recipe"] = "infogan"
    values["nets"]["G"].update(latent_prior="categorical", latent_components=10)
    values["nets"]["D"].update(minibatch_kernels=4)
    cfg = config_from_dict(values)  # through the checks
    result = train(cfg, tmp_path / "run", progress=False)
    assert result.step == 6
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert all(math.isfinite(row["loss_code"]) for row in rows)
    generator = gankit.load_generator(tmp_path / "run")
    assert generator(torch.randn(3, 8)).shape == (3, 1, 28, 28)
