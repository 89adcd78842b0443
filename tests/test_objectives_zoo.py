"""Losses and regularisers of the objective zoo against closed forms and their contracts."""

import json
import math

import pytest
import torch
from torch import nn

from gankit.errors import GankitError
from gankit.nets import DCGANGenerator, MLPGenerator
from gankit.nets.layers import (
    MinibatchDiscrimination,
    VirtualBatchNorm,
    apply_spectral_norm,
    pack,
)
from gankit.objectives import (
    HistoricalAverage,
    adversarial_loss,
    clip_weights,
    d_loss_hinge,
    d_loss_least_squares,
    d_loss_wasserstein,
    feature_matching_loss,
    g_loss_hinge,
    g_loss_least_squares,
    g_loss_wasserstein,
    gradient_penalty,
    keep_top_k,
    r1_penalty,
    top_k_fraction,
)

TOY_NETS = {"G": {"arch": "mlp", "latent_dim": 2, "hidden": [8]}, "D": {"arch": "mlp", "hidden": [8]}}
REAL = torch.tensor([2.0, -0.5, 0.3])
FAKE = torch.tensor([-1.5, 0.7, 1.2])


def test_wasserstein_least_squares_hinge_closed_forms():
    assert math.isclose(d_loss_wasserstein(REAL, FAKE).item(), FAKE.mean() - REAL.mean(), abs_tol=1e-6)
    assert math.isclose(g_loss_wasserstein(FAKE).item(), -FAKE.mean().item(), abs_tol=1e-6)
    ls_d = 0.5 * sum((r - 1) ** 2 for r in REAL.tolist()) / 3 + 0.5 * sum(f**2 for f in FAKE.tolist()) / 3
    assert math.isclose(d_loss_least_squares(REAL, FAKE).item(), ls_d, rel_tol=1e-6)
    assert math.isclose(g_loss_least_squares(FAKE).item(),
                        0.5 * sum((f - 1) ** 2 for f in FAKE.tolist()) / 3, rel_tol=1e-6)
    hinge = (sum(max(0, 1 - r) for r in REAL.tolist()) + sum(max(0, 1 + f) for f in FAKE.tolist())) / 3
    assert math.isclose(d_loss_hinge(REAL, FAKE).item(), hinge, rel_tol=1e-6)
    assert math.isclose(g_loss_hinge(FAKE).item(), -FAKE.mean().item(), abs_tol=1e-6)


def test_label_smoothing_touches_only_real_targets():
    smooth = adversarial_loss("nonsaturating", real_target=0.9)
    plain = adversarial_loss("nonsaturating")
    fake = torch.tensor([0.3, -2.0])
    # real part: BCE with target 0.9 = -(0.9 log s + 0.1 log(1-s))
    real = torch.tensor([1.0])
    s = 1 / (1 + math.exp(-1.0))
    expected_real = -(0.9 * math.log(s) + 0.1 * math.log(1 - s))
    fake_part = plain.discriminator(torch.tensor([100.0]), fake).item()  # real term ~ 0
    assert math.isclose(smooth.discriminator(real, fake).item(), expected_real + fake_part, rel_tol=1e-5)
    # the fake term and G's loss are unchanged
    assert torch.equal(smooth.generator(fake), plain.generator(fake))
    with pytest.raises(GankitError, match="label_smoothing applies to minimax/nonsaturating"):
        adversarial_loss("hinge", real_target=0.9)
    with pytest.raises(GankitError, match="unknown loss 'wgan'"):
        adversarial_loss("wgan")


def test_gradient_penalty_of_a_linear_critic_is_analytic():
    w = torch.tensor([3.0, 4.0])  # ‖∇D‖ = 5 everywhere
    critic = lambda x: x @ w  # noqa: E731
    real, fake = torch.randn(6, 2), torch.randn(6, 2)
    assert math.isclose(gradient_penalty(critic, real, fake).item(), (5 - 1) ** 2, rel_tol=1e-6)
    assert math.isclose(r1_penalty(critic, real).item(), 0.5 * 25, rel_tol=1e-6)


def test_gradient_penalty_trains_the_critic_through_double_backward():
    critic = nn.Linear(2, 1)
    gp = gradient_penalty(lambda x: critic(x).view(-1), torch.randn(4, 2), torch.randn(4, 2))
    gp.backward()
    assert critic.weight.grad is not None and critic.weight.grad.abs().sum() > 0


def test_clipping_bounds_every_critic_weight():
    net = nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.Linear(8, 1))
    clip_weights(net, 0.01)
    assert all(p.abs().max() <= 0.01 for p in net.parameters())


def test_spectral_norm_keeps_top_singular_value_near_one():
    torch.manual_seed(0)
    net = apply_spectral_norm(nn.Sequential(nn.Linear(20, 30), nn.Linear(30, 10)))
    net.train()
    for _ in range(30):  # power iterations run on forward passes in training mode
        net(torch.randn(4, 20))
    for layer in net:
        sigma = torch.linalg.matrix_norm(layer.weight.detach(), ord=2)
        assert abs(sigma.item() - 1.0) < 0.05


def test_feature_matching_sends_gradients_to_g_only():
    gen = nn.Linear(3, 4)
    disc_features = nn.Linear(4, 6)
    real = torch.randn(8, 4)
    fake = gen(torch.randn(8, 3))
    loss = feature_matching_loss(disc_features(real), disc_features(fake))
    g_grads = torch.autograd.grad(loss, list(gen.parameters()), retain_graph=True)
    assert all(g.abs().sum() > 0 for g in g_grads)
    # the G step only steps G's optimizer; the loss itself treats real features as constants
    real_in = real.clone().requires_grad_(True)
    loss2 = feature_matching_loss(disc_features(real_in), disc_features(fake))
    assert torch.autograd.grad(loss2, real_in, allow_unused=True)[0] is None
    same = torch.randn(5, 6)
    assert feature_matching_loss(same, same).item() == 0.0


def test_minibatch_discrimination_sees_lost_diversity():
    torch.manual_seed(0)
    layer = MinibatchDiscrimination(10, kernels=6, kernel_dim=3)
    diverse = torch.randn(16, 10) * 3
    collapsed = diverse[:1].repeat(16, 1) + 1e-4 * torch.randn(16, 10)
    o_div = layer(diverse)[:, 10:]
    o_col = layer(collapsed)[:, 10:]
    assert layer(diverse).shape == (16, 16)
    assert torch.allclose(o_col, torch.full_like(o_col, 15.0), atol=0.05)  # every other j is close
    assert o_div.mean() < o_col.mean() / 5  # diverse batches give far smaller o
    single = layer(diverse[:1])[:, 10:]
    assert torch.equal(single, torch.zeros_like(single))  # no self term


def test_virtual_batch_norm_uses_reference_statistics():
    vbn = VirtualBatchNorm(3)
    vbn.ref_size = 4
    ref = torch.randn(4, 3) * 2 + 5
    x = torch.randn(2, 3)
    out = vbn(torch.cat([ref, x]))
    w = 1 / 5
    mean = w * x + (1 - w) * ref.mean(0)
    var = w * x**2 + (1 - w) * (ref**2).mean(0) - mean**2
    assert torch.allclose(out[4:], (x - mean) / torch.sqrt(var + 1e-5), atol=1e-5)
    # an example's output does not depend on the other examples of its batch
    alone = vbn(torch.cat([ref, x[:1]]))[4:]
    assert torch.allclose(alone, out[4:5], atol=1e-6)


@pytest.mark.parametrize("gen", [MLPGenerator(4, (2,), [8, 8], norm="virtual_batch", tanh=False,
                                              reference_size=5),
                                 DCGANGenerator(4, (1, 28, 28), width=4, norm="virtual_batch",
                                                reference_size=5)])
def test_vbn_generator_outputs_are_batch_independent(gen):
    z = torch.randn(6, 4)
    together = gen(z)
    apart = torch.cat([gen(z[i : i + 1]) for i in range(6)])
    assert torch.allclose(together, apart, atol=1e-5)
    assert "reference.z" in gen.state_dict()


def test_historical_average_penalty_and_state():
    p = nn.Parameter(torch.tensor([1.0, 2.0]))
    hist = HistoricalAverage([p])
    assert hist.penalty().item() == 0
    with torch.no_grad():
        p.add_(2.0)
    hist.update()  # mean of [1,2] and [3,4] = [2,3]
    assert torch.allclose(hist.penalty(), torch.tensor(2.0))
    other = HistoricalAverage([nn.Parameter(torch.zeros(2))])
    other.load_state_dict(hist.state_dict())
    assert torch.equal(other.mean[0], torch.tensor([2.0, 3.0])) and other.count == 2


def test_pack_groups_consecutive_samples():
    x = torch.arange(8.0).view(4, 2)
    assert torch.equal(pack(x, 2), torch.tensor([[0.0, 1, 2, 3], [4, 5, 6, 7]]))
    images = torch.randn(6, 1, 4, 4)
    packed = pack(images, 3)
    assert packed.shape == (2, 3, 4, 4) and torch.equal(packed[1, 2], images[5, 0])


def test_top_k_keeps_the_fakes_d_scores_highest_and_its_schedule():
    logits = torch.tensor([0.3, -2.0, 1.5, 0.9, -0.1], requires_grad=True)
    kept = keep_top_k(logits, 0.5)  # ceil(2.5) = 3 of 5
    assert sorted(kept.tolist()) == pytest.approx([0.3, 0.9, 1.5])
    (grad,) = torch.autograd.grad(kept.sum(), logits)
    assert grad.tolist() == [1.0, 0.0, 1.0, 1.0, 0.0]  # G learns nothing from the worst two
    assert keep_top_k(logits, 1.0) is logits
    assert top_k_fraction(0, 0.9, 0.5) == 1.0
    assert top_k_fraction(2, 0.9, 0.5) == pytest.approx(0.81)
    assert top_k_fraction(100, 0.9, 0.5) == 0.5


def test_top_k_generator_step_learns_only_from_the_best_fakes():
    from gankit.config import config_from_dict
    from gankit.data import data_spec
    from gankit.recipes import build_recipe

    cfg = config_from_dict({"data": {"dataset": "ring8"},
                            "nets": TOY_NETS,
                            "gan": {"top_k": 0.25, "top_k_gamma": 0.5},
                            "train": {"batch_size": 8}})
    recipe = build_recipe(cfg, data_spec(cfg.data))
    recipe.epoch_steps = 1.0
    recipe.step = 10  # 0.5 ** 10 < 0.25: the floor
    fake = torch.randn(8, 2, requires_grad=True)
    loss = recipe.loss.generator(recipe._top_k(recipe.critic(fake)))
    (grad,) = torch.autograd.grad(loss, fake)
    scores = recipe.critic(fake).detach()
    best = set(scores.topk(2).indices.tolist())
    assert {i for i in range(8) if grad[i].abs().sum() > 0} == best
    assert recipe.state_dict()["terms"] == {}  # the schedule follows the Trainer's step: nothing to save


def test_trainer_tells_the_recipe_its_step(tmp_path):
    from gankit.config import config_from_dict
    from gankit.train import Trainer

    cfg = config_from_dict({"data": {"dataset": "ring8", "toy_samples": 400},
                            "nets": TOY_NETS,
                            "gan": {"top_k": 0.5},
                            "train": {"steps": 3, "batch_size": 8, "tensorboard": False, "grid_size": 10}})
    trainer = Trainer(cfg, tmp_path / "run", progress=False)
    seen = []
    step = trainer.recipe.train_step
    trainer.recipe.train_step = lambda batches: (seen.append(trainer.recipe.step), step(batches))[1]
    trainer.run()
    assert seen == [0, 1, 2]
    assert trainer.recipe.epoch_steps == 50.0  # 400 points / batch 8


@pytest.mark.parametrize("options, recipe, message", [
    ({"top_k": 0.0}, "gan", "gan.top_k: must be in \\(0, 1\\]"),
    ({"top_k": 0.5, "feature_matching": True}, "gan", "not with feature matching"),
    ({"top_k": 0.5}, "acgan", "unknown config key 'acgan.top_k'"),
])
def test_top_k_mistakes_fail_before_training(options, recipe, message):
    from gankit.config import config_from_dict

    with pytest.raises(GankitError, match=message):
        config_from_dict({"recipe": recipe, recipe: options})


def test_lazy_r1_runs_on_every_kth_d_update_with_k_times_the_weight(monkeypatch):
    import gankit.objectives.terms as terms
    from gankit.config import config_from_dict
    from gankit.data import data_spec
    from gankit.recipes import build_recipe

    cfg = config_from_dict({"data": {"dataset": "ring8"},
                            "nets": TOY_NETS,
                            "gan": {"r1": 0.5, "r1_every": 3, "n_critic": 2},
                            "train": {"batch_size": 8}})
    recipe = build_recipe(cfg, data_spec(cfg.data))
    monkeypatch.setattr(terms, "r1_penalty", lambda critic, real, grad_scale=1.0: torch.tensor(1000.0))
    d_losses = []
    monkeypatch.setattr(recipe, "update", lambda group, loss: group == "D" and
                        d_losses.append(float(loss.detach())))
    for step in range(5):  # D updates 0..9; due at 0, 3, 6, 9
        recipe.step = step
        recipe.train_step([{"image": torch.randn(8, 2)}, {"image": torch.randn(8, 2)}])
    penalised = [i for i, loss in enumerate(d_losses) if loss > 100]
    assert penalised == [0, 3, 6, 9]
    for i in penalised:  # gamma * k * penalty on top of the adversarial loss (about 1.4)
        assert 1500 < d_losses[i] < 1510


def test_lazy_r1_trains_and_logs_r1_at_every_step(tmp_path):
    from gankit.config import config_from_dict
    from gankit.train import Trainer

    cfg = config_from_dict({"data": {"dataset": "ring8", "toy_samples": 400},
                            "nets": TOY_NETS,
                            "gan": {"r1": 1.0, "r1_every": 4},
                            "train": {"steps": 6, "batch_size": 8, "tensorboard": False, "grid_size": 10,
                                      "log_every": 1}})
    Trainer(cfg, tmp_path / "run", progress=False).run()
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    r1 = [row["r1"] for row in rows if "r1" in row]
    assert len(r1) == 6 and r1[0] > 0
    assert r1[1] == r1[2] == r1[3] == r1[0] and r1[4] != r1[0]  # measured on D updates 0 and 4


def test_instance_noise_blurs_every_d_input_and_fades_to_zero(monkeypatch):
    from gankit.config import config_from_dict
    from gankit.data import data_spec
    from gankit.objectives.terms import InstanceNoise
    from gankit.recipes import build_recipe

    cfg = config_from_dict({"data": {"dataset": "ring8"},
                            "nets": TOY_NETS,
                            "gan": {"instance_noise": 2.0, "instance_noise_until": 0.5},
                            "train": {"steps": 100, "batch_size": 4000}})
    recipe = build_recipe(cfg, data_spec(cfg.data))
    seen = []
    plain_critic = recipe.critic
    monkeypatch.setattr(recipe, "critic", lambda x, labels=None: seen.append(x.detach()) or plain_critic(x))
    real = torch.zeros(4000, 2)
    noise = recipe.terms.of_type(InstanceNoise)
    for step, std in [(0, 2.0), (25, 1.0), (50, 0.0), (99, 0.0)]:
        recipe.step = step
        assert noise.std_at(step) == pytest.approx(std)
        seen.clear()
        recipe.train_step([{"image": real}])
        assert len(seen) == 3  # D's real and fake inputs, then G's fake input
        assert seen[0].std().item() == pytest.approx(std, abs=0.05)  # real points were all 0
        with torch.no_grad():  # the fakes D saw are G's samples plus noise of the same std
            assert (seen[1] - seen[2]).std().item() == pytest.approx(std * math.sqrt(2), abs=0.1)


@pytest.mark.parametrize("options, recipe, message", [
    ({"instance_noise": 0.1, "instance_noise_until": 0.0}, "gan", "instance_noise_until"),
    ({"instance_noise": -0.1}, "gan", "instance_noise"),
    ({"instance_noise": 0.1}, "acgan", "unknown config key 'acgan.instance_noise'"),
])
def test_instance_noise_mistakes_fail_before_training(options, recipe, message):
    from gankit.config import config_from_dict

    with pytest.raises(GankitError, match=message):
        config_from_dict({"recipe": recipe, recipe: options})
