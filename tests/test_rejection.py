"""Discriminator rejection sampling: the acceptance maths against an exact density ratio,
the sampler, and `gankit eval/sample --rejection` on a toy run."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from torch import nn

from gankit.cli import main
from gankit.config import config_from_dict
from gankit.errors import GankitError
from gankit.rejection import acceptance, check_critic, rejection_sample
from gankit.runs import load_discriminator, load_generator
from tests.test_toy_lab import TOY


def _exact_logit(x: torch.Tensor) -> torch.Tensor:
    """log N(x; 0, 1) - log N(x; 0, 2²): the optimal D's logit for data N(0,1), G = N(0, 4)."""
    return math.log(2.0) - x.pow(2) / 2 + x.pow(2) / 8


class _WideGaussian(nn.Module):
    latent_dim = 1

    def __init__(self):
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(()))  # gives the samplers a device to read

    def forward(self, z):
        return 2 * z


class _ExactCritic(nn.Module):
    def __init__(self):
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        return _exact_logit(x.view(-1))


def test_acceptance_with_the_exact_ratio_and_no_shift_recovers_the_data_distribution():
    x = 2 * torch.randn(400_000, generator=torch.Generator().manual_seed(0))
    logits = _exact_logit(x)
    keep = torch.rand(len(x), generator=torch.Generator().manual_seed(1)) < acceptance(
        logits, float(logits.max()), 0.0)
    assert x[keep].std().item() == pytest.approx(1.0, abs=0.02)  # G's std was 2
    assert keep.float().mean().item() == pytest.approx(0.5, abs=0.01)  # 1 / max ratio (= 2)


def test_rejection_sampler_is_seeded_and_keeps_the_likelier_samples():
    gen, critic = _WideGaussian(), _ExactCritic()
    a, kept = rejection_sample(gen, critic, 3000, seed=4, quantile=0.5)
    b, _ = rejection_sample(gen, critic, 3000, seed=4, quantile=0.5)
    assert a.shape == (3000, 1) and torch.equal(a, b)
    assert 0.3 < kept < 1.0
    assert a.std().item() < 1.6  # between G (2) and the data (1): γ shifts acceptance up
    with pytest.raises(GankitError, match="quantile must be in"):
        rejection_sample(gen, critic, 10, seed=0, quantile=1.0)


@pytest.mark.parametrize("change", [
    {"gan": {"loss": "wasserstein", "weight_clip": 0.01}, "optim": {"name": "rmsprop"}},
    {"gan": {"pack": 2}},
    {"recipe": "infogan", "nets": {"G": {"latent_dim": 3, "latent_prior": "categorical",
                                         "latent_components": 8}}},
])
def test_runs_whose_logit_is_not_a_density_ratio_are_refused(change, tmp_path):
    from gankit.train import train

    values = {"data": {"dataset": "ring8", "toy_samples": 200},
              "nets": {"G": {"arch": "mlp"}, "D": {"arch": "mlp"}},
              "train": {"steps": 1, "batch_size": 20, "tensorboard": False, "grid_size": 20}}
    for section, extra in change.items():
        if isinstance(extra, dict):
            for key, value in extra.items():
                target = values.setdefault(section, {})
                target[key] = {**target.get(key, {}), **value} if isinstance(value, dict) else value
        else:
            values[section] = extra
    train(config_from_dict(values), tmp_path / "run", progress=False)
    with pytest.raises(GankitError, match="minimax or non-saturating loss and no packing only"):
        check_critic(tmp_path / "run")


def test_eval_and_sample_with_rejection_on_a_toy_run(capsys, tmp_path):
    run = tmp_path / "toy"
    assert main(["train", "--preset", "gan-ring8", "--out", str(run), "--no-progress", *TOY]) == 0
    capsys.readouterr()
    out = tmp_path / "kept.npz"
    assert main(["sample", str(run), "--n", "300", "--out", str(out), "--rejection", "0.5"]) == 0
    assert "rejection sampling at quantile 0.5 kept" in capsys.readouterr().out
    kept = np.load(out)["points"]
    assert kept.shape == (300, 2)
    # the run's EMA G and its D through the sampler tested above, with the same seed
    expected, _ = rejection_sample(load_generator(run), load_discriminator(run), 300, 0, 0.5)
    np.testing.assert_array_equal(kept, expected.numpy())
    assert not np.array_equal(kept, np.load(_plain_sample(run, tmp_path))["points"])
    assert main(["eval", str(run), "--rejection", "0.5", "--n", "500"]) == 0
    assert "after D's rejection sampling at quantile 0.5" in capsys.readouterr().out
    row = json.loads((run / "eval.jsonl").read_text().splitlines()[-1])
    assert row["samples"] == 500 and row["rejection_quantile"] == 0.5 and 0 < row["acceptance"] <= 1


def _plain_sample(run, tmp_path):
    out = tmp_path / "plain.npz"
    assert main(["sample", str(run), "--n", "300", "--out", str(out)]) == 0
    return out
