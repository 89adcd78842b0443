"""FID, KID, IS, precision/recall and density/coverage against closed forms and brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.linalg
import torch
from scipy.spatial.distance import cdist

from gankit.errors import GankitError
from gankit.metrics import (
    SmallSampleWarning,
    density_coverage,
    feature_statistics,
    fid,
    frechet_distance,
    inception_score,
    kid,
    neighbours,
    precision_recall,
)


def _spd(rng, d):
    a = rng.normal(size=(d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


def test_fid_of_equal_covariances_is_the_squared_mean_distance():
    rng = np.random.default_rng(0)
    sigma, mu1, mu2 = _spd(rng, 16), rng.normal(size=16), rng.normal(size=16)
    assert frechet_distance(mu1, sigma, mu2, sigma) == pytest.approx(((mu1 - mu2) ** 2).sum(), rel=1e-9)


def test_fid_of_diagonal_covariances_has_a_closed_form():
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0.1, 3, 12), rng.uniform(0.1, 3, 12)
    mu1, mu2 = rng.normal(size=12), rng.normal(size=12)
    expected = ((mu1 - mu2) ** 2).sum() + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-9)


def test_fid_matches_scipy_sqrtm_on_random_covariances():
    rng = np.random.default_rng(2)
    for d in (3, 10, 40):
        s1, s2 = _spd(rng, d), _spd(rng, d)
        mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
        root = scipy.linalg.sqrtm(s1 @ s2).real
        expected = ((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(root)
        assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-8, abs=1e-10)


def test_fid_of_a_set_with_itself_is_zero_and_statistics_are_unbiased():
    x = np.random.default_rng(3).normal(size=(3000, 8))
    assert fid(x, x) == pytest.approx(0.0, abs=1e-9)
    mu, sigma = feature_statistics(x)
    np.testing.assert_allclose(sigma, np.cov(x, rowvar=False, ddof=1))
    np.testing.assert_allclose(mu, x.mean(0))


def test_fid_with_fewer_samples_than_dimensions_is_finite_and_warns():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(20, 64)), rng.normal(size=(20, 64)) + 0.5
    with pytest.warns(SmallSampleWarning, match="biased"):
        value = fid(a, b)
    assert np.isfinite(value) and value > 0
    with pytest.warns(SmallSampleWarning):
        assert fid(a, a) >= 0.0  # rank-deficient identical covariances: never negative


def test_fid_accepts_torch_tensors_and_gets_near_the_truth_for_large_samples():
    rng = np.random.default_rng(5)
    a = torch.from_numpy(rng.normal(size=(20000, 4)))
    b = torch.from_numpy(rng.normal(size=(20000, 4)) * 2.0 + 1.0)
    # N(0, I) vs N(1, 4I) in 4-d: 4·1 + 4·(1 − 2)² = 8
    assert fid(a, b) == pytest.approx(8.0, rel=0.03)


def _kid_direct(x, y):
    m, d = len(x), x.shape[1]
    k = lambda u, v: (u @ v / d + 1) ** 3  # noqa: E731
    xx = sum(k(x[i], x[j]) for i, j in itertools.permutations(range(m), 2)) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i, j in itertools.permutations(range(m), 2)) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    return xx + yy - 2 * xy


def test_kid_matches_a_direct_quadratic_computation():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(25, 5)), rng.normal(size=(25, 5)) + 0.3
    # one subset of every row: the whole sets, whose MMD² has no spread over subsets to report
    with pytest.warns(SmallSampleWarning, match="one subset of all 25 samples"):
        mean, std = kid(x, y, subsets=1, subset_size=25)
    assert mean == pytest.approx(_kid_direct(x, y), rel=1e-10)
    assert math.isnan(std)
    mean, std = kid(x[:20], y, subsets=30, subset_size=20)  # subsets of y differ: a real spread
    assert std > 0


def test_kid_is_seeded_and_near_zero_for_one_distribution():
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(400, 16)), rng.normal(size=(400, 16))
    a = kid(x, y, subsets=20, subset_size=100, seed=1)
    assert a == kid(x, y, subsets=20, subset_size=100, seed=1)
    assert a != kid(x, y, subsets=20, subset_size=100, seed=2)
    assert abs(a[0]) < 3 * a[1] / np.sqrt(20) + 0.01
    far = kid(x, y + 1.0, subsets=20, subset_size=100, seed=1)
    assert far[0] > 10 * abs(a[0])


def test_kid_warns_when_subsets_must_shrink():
    rng = np.random.default_rng(8)
    with pytest.warns(SmallSampleWarning, match="subsets of 50 rows"):
        kid(rng.normal(size=(50, 4)), rng.normal(size=(80, 4)), subsets=3)


def test_inception_score_of_known_distributions():
    k = 10
    one_hot = np.eye(k)[np.arange(1000) % k]
    assert inception_score(one_hot, splits=1)[0] == pytest.approx(k)
    assert inception_score(np.full((1000, k), 1.0 / k), splits=1)[0] == pytest.approx(1.0)
    # half the mass on the true class, the rest spread: exp(H(p(y)) - E H(p(y|x)))
    soft = np.full((1000, k), 0.5 / (k - 1))
    soft[np.arange(1000), np.arange(1000) % k] = 0.5
    entropy = -(0.5 * np.log(0.5) + (k - 1) * (0.5 / (k - 1)) * np.log(0.5 / (k - 1)))
    assert inception_score(soft, splits=1)[0] == pytest.approx(np.exp(np.log(k) - entropy))


def test_inception_score_from_logits_equals_from_probabilities_with_population_std():
    rng = np.random.default_rng(9)
    logits = rng.normal(size=(500, 7)) * 3
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    a, b = inception_score(logits, splits=5, seed=3), inception_score(probs, splits=5, seed=3)
    assert a == pytest.approx(b)
    order = np.random.default_rng(3).permutation(500)
    per_split = []
    for i in range(5):
        p = probs[order[i * 100 : (i + 1) * 100]]
        kl = (p * (np.log(p) - np.log(p.mean(0)))).sum(1).mean()
        per_split.append(np.exp(kl))
    assert a[0] == pytest.approx(np.mean(per_split)) and a[1] == pytest.approx(np.std(per_split))


def _brute_radii(x, k):
    d = cdist(x, x)
    return np.sort(d, axis=1)[:, k]  # column 0 is the point itself


def _brute_pr_dc(real, fake, k_pr, k_dc):
    rr, rf = _brute_radii(real, k_pr), _brute_radii(fake, k_pr)
    d = cdist(fake, real)
    precision = (d <= rr[None]).any(1).mean()
    recall = (d.T <= rf[None]).any(1).mean()
    r5 = _brute_radii(real, k_dc)
    density = (d <= r5[None]).sum() / (k_dc * len(fake))
    coverage = (d.min(0) <= r5).mean()
    return precision, recall, density, coverage


@pytest.mark.parametrize("block_entries", [1 << 25, 97])  # one block, and many ragged ones
def test_precision_recall_density_coverage_match_brute_force(monkeypatch, block_entries):
    monkeypatch.setattr(neighbours, "BLOCK_ENTRIES", block_entries)
    rng = np.random.default_rng(10)
    real = rng.normal(size=(300, 6))
    fake = np.concatenate([rng.normal(size=(150, 6)) * 0.5, rng.normal(size=(100, 6)) + 3])
    p, r = precision_recall(real, fake, k=3)
    d, c = density_coverage(real, fake, k=5)
    bp, br, bd, bc = _brute_pr_dc(real, fake, 3, 5)
    assert (p, r) == pytest.approx((bp, br), abs=1e-12)
    assert (d, c) == pytest.approx((bd, bc), abs=1e-12)
    assert 0.3 < p < 0.9 and r < 0.9  # the shifted cluster is off the real manifold


def test_identical_sets_have_full_precision_recall_and_coverage():
    x = np.random.default_rng(11).normal(size=(200, 5))
    assert precision_recall(x, x) == (1.0, 1.0)
    density, coverage = density_coverage(x, x)
    assert coverage == 1.0 and density > 0.5


@pytest.mark.parametrize("call", [fid, kid, precision_recall, density_coverage])
def test_bad_feature_inputs_give_one_clear_error(call):
    good = np.random.default_rng(12).normal(size=(50, 4))
    nan = good.copy()
    nan[7, 2] = np.nan
    cases = [
        (nan, "NaN/Inf values \\(first in row 7\\)"),
        (good[:1], "at least 2 samples"),
        (good[:, :3], "feature widths differ"),
        (good[None], "2-D array"),
        (np.array([["a"] * 4] * 5), "must be numbers"),
    ]
    for fake, message in cases:
        with pytest.raises(GankitError, match=message):
            call(good, fake)


def test_inception_score_refuses_bad_inputs():
    with pytest.raises(GankitError, match="splits must be between 1 and 5"):
        inception_score(np.full((5, 3), 1 / 3), splits=10)
    with pytest.raises(GankitError, match="not probabilities"):
        inception_score(np.full((5, 3), 0.5), splits=1, from_logits=False)


def test_knn_needs_more_samples_than_k():
    with pytest.raises(GankitError, match=r"k must be an integer in \[1, 2\] for 3 samples, got 3"):
        precision_recall(np.zeros((3, 2)), np.ones((3, 2)), k=3)


@pytest.mark.parametrize("channels", [1, 3])
def test_ssim_and_psnr_match_scikit_image(channels):
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    from gankit.metrics.paired import l1, psnr, ssim

    rng = np.random.default_rng(channels)
    a = rng.uniform(size=(4, channels, 33, 29))
    b = np.clip(a + rng.normal(0, 0.08, a.shape), 0, 1)
    x, y = torch.from_numpy(a) * 2 - 1, torch.from_numpy(b) * 2 - 1
    ref_ssim = np.mean([structural_similarity(a[i], b[i], gaussian_weights=True, sigma=1.5,
                                              use_sample_covariance=False, data_range=1.0, channel_axis=0)
                        for i in range(4)])
    ref_psnr = np.mean([peak_signal_noise_ratio(a[i], b[i], data_range=1.0) for i in range(4)])
    assert ssim(x, y) == pytest.approx(ref_ssim, abs=1e-12)
    assert psnr(x, y) == pytest.approx(ref_psnr, abs=1e-9)
    assert l1(x, y) == pytest.approx(np.abs(a - b).mean(), abs=1e-12)
    cropped = np.mean([structural_similarity(a[i, :, 4:-4, 4:-4], b[i, :, 4:-4, 4:-4], gaussian_weights=True,
                                             sigma=1.5, use_sample_covariance=False, data_range=1.0,
                                             channel_axis=0) for i in range(4)])
    assert ssim(x, y, border=4) == pytest.approx(cropped, abs=1e-12)
    assert psnr(x, x) == math.inf and ssim(x, x) == pytest.approx(1.0)


def test_the_y_channel_is_bt601_luma():
    from gankit.metrics.paired import psnr

    rgb = torch.rand(2, 3, 16, 16) * 2 - 1
    noisy = (rgb + 0.05 * torch.randn_like(rgb)).clamp(-1, 1)
    w = torch.tensor([65.481, 128.553, 24.966]).view(1, 3, 1, 1).double()
    luma = lambda t: ((16 + (((t.double() + 1) / 2) * w).sum(1, keepdim=True)) / 255) * 2 - 1  # noqa: E731
    assert psnr(rgb, noisy, y_channel=True) == pytest.approx(psnr(luma(rgb), luma(noisy)), rel=1e-6)


def _lpips_files(folder, seed=0):
    """Same-architecture random weights in the two files LPIPS reads (the real ones cannot be
    downloaded here); the AlexNet file is named so its name's hash prefix does not match."""
    from gankit.metrics.lpips import LPIPS

    torch.manual_seed(seed)
    net = LPIPS()
    folder.mkdir(exist_ok=True)
    torch.save({f"features.{k}": v for k, v in net.net.features.state_dict().items()},
               folder / "alexnet-owt-7be5be79.pth")
    torch.save({f"lin{i}.model.1.weight": lin.weight.abs() for i, lin in enumerate(net.lins)},
               folder / "alex.pth")
    return net


def test_lpips_loads_local_weights_and_is_a_distance(tmp_path):
    from gankit.metrics.lpips import load_lpips, lpips_distance

    with pytest.raises(GankitError, match="LPIPS needs alexnet-owt-7be5be79.pth .* cannot be downloaded"):
        load_lpips(str(tmp_path / "none"))
    _lpips_files(tmp_path / "w")
    with pytest.raises(GankitError, match="does not match the prefix in its name"):
        load_lpips(str(tmp_path / "w"))  # random weights are not torchvision's: caught by the checksum
    net = load_lpips(str(tmp_path / "w"), check_alexnet=False)
    assert set(net.digests) == {"alexnet", "linear"}
    x, y = torch.rand(3, 3, 64, 64) * 2 - 1, torch.rand(3, 3, 64, 64) * 2 - 1
    assert lpips_distance(x, x, net=net) == pytest.approx(0.0, abs=1e-7)
    d = lpips_distance(x, y, net=net)
    assert d > 0 and d == pytest.approx(lpips_distance(y, x, net=net), rel=1e-5)
    gray = torch.rand(2, 1, 64, 64) * 2 - 1
    assert lpips_distance(gray, gray.flip(-1), net=net) > 0  # grayscale replicated to RGB
    torch.save({"features.0.weight": torch.zeros(1)}, tmp_path / "w" / "alexnet-owt-7be5be79.pth")
    with pytest.raises(GankitError, match="do not fit"):
        load_lpips(str(tmp_path / "w"), check_alexnet=False)



@pytest.mark.parametrize("call, message", [
    (lambda: fid(np.zeros((5, 0)), np.zeros((5, 0))), "width 0"),
    (lambda: precision_recall(np.random.rand(20, 3), np.random.rand(20, 3), k=0), "k must be an integer"),
    (lambda: density_coverage(np.random.rand(20, 3), np.random.rand(20, 3), k=-2), "k must be an integer"),
    (lambda: fid(np.random.rand(20, 3) * 1e160, np.random.rand(20, 3)), "overflow float64"),
    (lambda: frechet_distance(np.array([np.nan, 0.0]), np.eye(2), np.zeros(2), np.eye(2)), "mu holds NaN"),
    (lambda: kid(np.random.rand(20, 3), np.random.rand(20, 3), subset_size=1), "subset_size must be"),
])
def test_metric_misuse_is_one_clear_error(call, message):
    with pytest.raises(GankitError, match=message):
        call()
