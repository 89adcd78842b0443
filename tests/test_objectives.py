import math

import torch

from gankit.objectives import (
    ADVERSARIAL_LOSSES,
    d_loss_minimax,
    g_loss_minimax,
    g_loss_nonsaturating,
)


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def test_closed_forms_on_known_logits():
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5, -3.0])
    expected_d = -sum(math.log(sigmoid(r)) for r in real.tolist()) / 2 - sum(
        math.log(1 - sigmoid(f)) for f in fake.tolist()) / 2
    assert math.isclose(d_loss_minimax(real, fake).item(), expected_d, rel_tol=1e-6)
    expected_sat = sum(math.log(1 - sigmoid(f)) for f in fake.tolist()) / 2
    assert math.isclose(g_loss_minimax(fake).item(), expected_sat, rel_tol=1e-6)
    expected_ns = -sum(math.log(sigmoid(f)) for f in fake.tolist()) / 2
    assert math.isclose(g_loss_nonsaturating(fake).item(), expected_ns, rel_tol=1e-6)


def test_d_loss_at_equilibrium_is_2_log_2():
    zero = torch.zeros(4)
    assert math.isclose(d_loss_minimax(zero, zero).item(), 2 * math.log(2), rel_tol=1e-6)


def test_saturating_loss_vanishes_where_nonsaturating_does_not():
    # D confidently rejects the fakes: the 2014 objective gives G almost no gradient.
    fake = torch.full((8,), -10.0, requires_grad=True)
    (grad_sat,) = torch.autograd.grad(g_loss_minimax(fake), fake)
    (grad_ns,) = torch.autograd.grad(g_loss_nonsaturating(fake), fake)
    assert grad_sat.abs().max() < 1e-5 and grad_ns.abs().min() > 0.1
    assert (grad_ns < 0).all()  # descending raises the fake logits


def test_stable_for_extreme_logits():
    big = torch.tensor([1e4, -1e4])
    for loss in ADVERSARIAL_LOSSES.values():
        assert torch.isfinite(loss.discriminator(big, -big))
        assert torch.isfinite(loss.generator(big))
