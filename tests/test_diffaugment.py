"""DiffAugment: differentiable (G's gradient flows through), seeded, the same policy on every
image D sees (real and fake, D's and G's steps), each transform doing what it says."""

from __future__ import annotations

import pytest
import torch

from gankit.data import data_spec
from gankit.errors import GankitError
from gankit.objectives import diffaugment as da
from gankit.recipes import build_recipe
from tests.conftest import tiny_config


def test_gradients_flow_through_every_transform():
    x = torch.randn(4, 3, 16, 16, requires_grad=True)
    torch.manual_seed(0)
    da.diff_augment(x, "color,translation,cutout").pow(2).sum().backward()
    assert torch.isfinite(x.grad).all() and (x.grad != 0).any()


def test_a_seed_fixes_the_augmentation_and_images_draw_their_own():
    x = torch.randn(8, 1, 16, 16)
    torch.manual_seed(3)
    a = da.diff_augment(x, "color,translation,cutout")
    torch.manual_seed(3)
    b = da.diff_augment(x, "color,translation,cutout")
    assert torch.equal(a, b)
    same = da.diff_augment(x[:1].expand(8, -1, -1, -1).contiguous(), "translation,cutout")
    assert len({tuple(t.flatten().tolist()) for t in same}) > 1  # per-image draws


def test_translation_moves_pixels_and_pads_with_zeros():
    x = torch.arange(1, 17, dtype=torch.float32).view(1, 1, 4, 4).repeat(32, 1, 1, 1)
    torch.manual_seed(0)
    y = da.translation(x, ratio=0.25)  # shifts of -1, 0 or 1
    values = set(x.flatten().tolist())
    assert set(y.flatten().tolist()) <= values | {0.0}
    for image in y[:, 0]:
        nonzero = image[image != 0]
        assert len(nonzero) in (9, 12, 16)  # a 3x3, 3x4/4x3 or the whole block stays
    assert any(not torch.equal(image, x[0]) for image in y)


def test_cutout_zeroes_one_square_of_half_the_size():
    x = torch.ones(64, 1, 8, 8)
    torch.manual_seed(0)
    y = da.cutout(x)
    zeros = (y == 0).sum(dim=(1, 2, 3))
    assert (zeros <= 16).all() and (zeros > 0).all() and (zeros == 16).any()


def test_color_changes_brightness_and_keeps_gradients_of_gray_images():
    x = torch.zeros(16, 1, 4, 4)
    torch.manual_seed(0)
    y = da.color(x)
    means = y.mean(dim=(1, 2, 3))
    assert means.min() >= -0.5 and means.max() <= 0.5 and means.std() > 0.1


def test_every_image_d_sees_is_augmented(idx_dir, monkeypatch):
    seen = []

    def recording(self, x, step):
        seen.append(x.shape[0])
        return x

    cfg = tiny_config(idx_dir, gan={"diffaugment": "color,translation"})
    recipe = build_recipe(cfg, data_spec(cfg.data))
    assert any(isinstance(t, da.DiffAugment) for t in recipe.terms.items)
    monkeypatch.setattr(da.DiffAugment, "perturb", recording)
    recipe.train_step([{"image": torch.randn(16, 1, 28, 28)}])
    assert seen == [16, 16, 16]  # D: real, fake; G: fake


def test_a_bad_policy_is_refused():
    from gankit.presets import load_preset

    with pytest.raises(GankitError, match="unknown transform 'colour'"):
        load_preset("dcgan-fashion-mnist", ['gan.diffaugment="colour,cutout"'])


def _ctx(logits: torch.Tensor):
    from gankit.objectives.terms import TermContext

    return TermContext(torch.zeros(len(logits), 1, 8, 8), torch.zeros(1), lambda x: x, real_logits=logits)


def test_adaptive_p_rises_when_d_calls_reals_real_and_falls_when_not():
    ada = da.AdaptiveDiffAugment("translation", target=0.6, kimg=0.064, interval=4)  # 64 images: 0 -> 1
    confident = torch.full((8,), 3.0)  # sign +1 everywhere: r_t = 1 > 0.6
    for _ in range(3):
        ada.d_loss(_ctx(confident))
    assert ada.p == 0.0  # adjusted only every 4th D update
    ada.d_loss(_ctx(confident))
    assert ada.p == pytest.approx(32 / 64) and ada.r_t == 1.0
    for _ in range(8):
        ada.d_loss(_ctx(confident))
    assert ada.p == 1.0  # clamped
    unsure = torch.tensor([1.0, -1.0] * 4)  # r_t = 0 < 0.6
    for _ in range(4):
        ada.d_loss(_ctx(unsure))
    assert ada.p == pytest.approx(0.5) and ada.r_t == 0.0
    assert float(ada.logged["ada_p"]) == pytest.approx(0.5)


def test_adaptive_p_chooses_which_images_are_augmented_and_is_checkpointed():
    x = torch.randn(64, 1, 16, 16, requires_grad=True)
    ada = da.AdaptiveDiffAugment("cutout", target=0.6, kimg=1.0)
    torch.manual_seed(0)
    assert torch.equal(ada.perturb(x, 0), x)  # p = 0: nothing changes
    ada.p = 0.5
    torch.manual_seed(0)
    y = ada.perturb(x, 0)
    changed = (y != x).flatten(1).any(1).float().mean()
    assert 0.3 < changed < 0.7
    y.sum().backward()
    assert (x.grad != 0).any()  # differentiable through the chosen ones
    ada.d_loss(_ctx(torch.ones(4)))
    again = da.AdaptiveDiffAugment("cutout", target=0.6, kimg=1.0)
    again.load_state_dict(ada.state_dict())
    assert again.state_dict() == ada.state_dict()


def test_adaptive_diffaugment_trains_in_the_gan_recipe_and_needs_a_policy(idx_dir):
    cfg = tiny_config(idx_dir, gan={"diffaugment": "color,translation", "diffaugment_target": 0.6,
                                    "diffaugment_kimg": 0.016})
    recipe = build_recipe(cfg, data_spec(cfg.data))
    term = recipe.terms.of_type(da.AdaptiveDiffAugment)
    for _ in range(4):
        out = recipe.train_step([{"image": torch.randn(16, 1, 28, 28)}])
    assert "ada_p" in out and term.updates == 4 and term.p in (0.0, 1.0)  # 64 images moved it all the way
    from gankit.presets import load_preset

    with pytest.raises(GankitError, match="set gan.diffaugment too"):
        load_preset("dcgan-fashion-mnist", ["gan.diffaugment_target=0.6"])
