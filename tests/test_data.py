import gzip
import hashlib
import http.server
import pickle
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gankit.config import DataConfig
from gankit.data import BatchStream, ZipStream, build_source, cifar, data_spec, fetch, mnist
from gankit.data.folder import ImageFolder
from gankit.data.idx import parse_idx, read_idx, write_idx
from gankit.data.source import images_to_tensor
from gankit.data.toy import mixture_modes, sample_mixture
from gankit.errors import GankitError

DEBIAN_FMNIST = Path("/usr/share/datasets/fashion-mnist")


# -- IDX ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["x.gz", "x"])
def test_idx_round_trip(tmp_path, name):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / name, array)
    np.testing.assert_array_equal(read_idx(tmp_path / name), array)


def test_idx_bad_magic_and_truncation(tmp_path):
    with pytest.raises(GankitError, match="bad magic number"):
        parse_idx(b"\x12\x34\x08\x01\x00\x00\x00\x01\x00", "f")
    good = bytes([0, 0, 8, 2]) + (2).to_bytes(4, "big") + (3).to_bytes(4, "big") + bytes(6)
    assert parse_idx(good).shape == (2, 3)
    with pytest.raises(GankitError, match=r"f: IDX file truncated \(13 bytes, expected 18"):
        parse_idx(good[:-5], "f")
    with pytest.raises(GankitError, match="trailing bytes"):
        parse_idx(good + b"\x00", "f")
    broken = tmp_path / "train-images-idx3-ubyte.gz"
    broken.write_bytes(gzip.compress(good)[:-6])
    with pytest.raises(GankitError, match="cannot read IDX file"):
        read_idx(broken)


# -- lookup order and download -------------------------------------------------------------
def _fake_dataset(monkeypatch, debian_dir, mirror="http://127.0.0.1:9/"):
    spec = mnist.IdxDataset("fashion-mnist", str(debian_dir), "the hint", (mirror,),
                            dict(mnist.IDX_DATASETS["fashion-mnist"].sha256))
    monkeypatch.setitem(mnist.IDX_DATASETS, "fashion-mnist", spec)
    return spec


def test_lookup_order_root_env_debian_cache(tmp_path, monkeypatch):
    from tests.conftest import make_idx_dataset

    dirs = {k: make_idx_dataset(tmp_path / k, seed=i) for i, k in
            enumerate(["root", "env", "debian"])}
    cache = tmp_path / "cache"
    make_idx_dataset(cache / "fashion-mnist", seed=9)
    monkeypatch.setenv("GANKIT_CACHE", str(cache))
    _fake_dataset(monkeypatch, dirs["debian"])
    monkeypatch.setenv("GANKIT_DATA", str(dirs["env"]))
    assert mnist.locate("fashion-mnist", "train", str(dirs["root"]))[0].parent == dirs["root"]
    assert mnist.locate("fashion-mnist", "train")[0].parent == dirs["env"]
    monkeypatch.delenv("GANKIT_DATA")
    assert mnist.locate("fashion-mnist", "test")[0].parent == dirs["debian"]
    _fake_dataset(monkeypatch, tmp_path / "nowhere")
    assert mnist.locate("fashion-mnist", "train")[0].parent == cache / "fashion-mnist"


def test_not_found_says_where_it_looked_and_how_to_get_it(tmp_path, monkeypatch):
    _fake_dataset(monkeypatch, tmp_path / "debian")
    with pytest.raises(GankitError) as err:
        mnist.locate("fashion-mnist", "train")
    message = str(err.value)
    assert str(tmp_path / "debian") in message and "the hint" in message
    assert "\n" not in message


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def http_root(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    handler = lambda *a, **k: _Quiet(*a, directory=str(root), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_download_from_local_server_checks_sha256(http_root, tmp_path, monkeypatch):
    from tests.conftest import make_idx_dataset

    root, url = http_root
    make_idx_dataset(root)
    spec = _fake_dataset(monkeypatch, tmp_path / "no-debian", mirror=url)
    for stem in spec.sha256:
        spec.sha256[stem] = hashlib.sha256((root / f"{stem}.gz").read_bytes()).hexdigest()
    monkeypatch.delenv("GANKIT_OFFLINE")
    images, labels = mnist.load_idx_split("fashion-mnist", "train")
    assert images.shape == (96, 28, 28) and labels.shape == (96,)
    assert (fetch.cache_dir() / "fashion-mnist" / "train-images-idx3-ubyte.gz").is_file()

    bad = tmp_path / "bad.gz"
    with pytest.raises(GankitError, match="checksum mismatch"):
        fetch.download(url + "t10k-labels-idx1-ubyte.gz", bad, "0" * 64)
    assert not bad.exists() and not list(tmp_path.glob(".bad.gz.*"))
    with pytest.raises(GankitError, match="download of .* failed"):
        fetch.download(url + "missing.gz", bad, "0" * 64)


def test_download_from_file_url(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"payload")
    dest = fetch.download(src.as_uri(), tmp_path / "out" / "x.bin",
                          hashlib.sha256(b"payload").hexdigest())
    assert dest.read_bytes() == b"payload"


# -- CIFAR-10 --------------------------------------------------------------------------------
def _cifar_batch(path, n, label):
    data = np.full((n, 3 * 32 * 32), label * 10, dtype=np.uint8)
    path.write_bytes(pickle.dumps({b"data": data, b"labels": [label] * n}))


def test_cifar_batches_are_read_without_arbitrary_unpickling(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for i in range(1, 6):
        _cifar_batch(folder / f"data_batch_{i}", 4, i)
    _cifar_batch(folder / "test_batch", 3, 7)
    images, labels = cifar.load_cifar10("train", str(tmp_path))
    assert images.shape == (20, 3, 32, 32) and list(labels[::4]) == [1, 2, 3, 4, 5]
    assert cifar.load_cifar10("test", str(folder))[0].shape == (3, 3, 32, 32)

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    (folder / "test_batch").write_bytes(pickle.dumps({b"data": Evil(), b"labels": []}))
    with pytest.raises(GankitError, match="refusing to load builtins.print"):
        cifar.load_cifar10("test", str(folder))


# -- image folders -----------------------------------------------------------------------------
def test_image_folder_recursive_resize_crop(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    Image.new("RGB", (40, 20), (255, 0, 0)).save(tmp_path / "a" / "wide.png")
    Image.new("L", (16, 16), 0).save(tmp_path / "a" / "b" / "small.jpg")
    folder = ImageFolder(tmp_path, size=8, channels=3)
    assert len(folder) == 2
    x = folder[1]["image"]
    assert x.shape == (3, 8, 8)
    assert torch.allclose(x[0], torch.ones(8, 8)) and torch.allclose(x[1], -torch.ones(8, 8))
    assert folder[0]["image"].min() >= -1 and ImageFolder(tmp_path, 8, 1)[1]["image"].shape == (1, 8, 8)


def test_image_folder_rejects_empty_and_corrupt_files(tmp_path):
    Image.new("RGB", (8, 8)).save(tmp_path / "ok.png")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(GankitError, match=r"empty.png: empty \(zero-byte\) image file"):
        ImageFolder(tmp_path, 8)
    (tmp_path / "empty.png").write_bytes(b"not an image at all")
    with pytest.raises(GankitError, match="empty.png: unreadable image"):
        ImageFolder(tmp_path, 8)
    with pytest.raises(GankitError, match="no images"):
        ImageFolder(_mkdir(tmp_path / "none"), 8)


def test_truncated_image_fails_on_load_with_its_path(tmp_path):
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(tmp_path / "t.jpg")
    data = (tmp_path / "t.jpg").read_bytes()
    (tmp_path / "t.jpg").write_bytes(data[: len(data) * 3 // 5])  # header intact, pixels cut
    folder = ImageFolder(tmp_path, 8)
    with pytest.raises(GankitError, match="t.jpg: unreadable image"):
        folder[0]


def _mkdir(path):
    path.mkdir()
    return path


# -- tensors, toys, batch streams ------------------------------------------------------------
def test_images_to_tensor_range_and_channels():
    images = np.array([[[0, 255], [128, 64]]], dtype=np.uint8)
    x = images_to_tensor(images, 2, 0)
    assert x.shape == (1, 1, 2, 2) and x.min() == -1 and x.max() == 1
    assert images_to_tensor(images, 4, 3).shape == (1, 3, 4, 4)


def test_toy_mixtures_follow_the_pacgan_protocol():
    ring, ring_std = mixture_modes("ring8")
    assert ring.shape == (8, 2) and ring_std == 0.01
    assert torch.allclose(ring.norm(dim=1), torch.ones(8))
    grid, grid_std = mixture_modes("grid25")
    assert grid_std == 0.05 and set(grid[:, 0].tolist()) == {-4.0, -2.0, 0.0, 2.0, 4.0}
    points = sample_mixture("grid25", 20_000, seed=3)
    nearest = torch.cdist(points, grid).min(dim=1).values
    assert nearest.max() < 0.05 * 6
    counts = torch.cdist(points, grid).argmin(dim=1).bincount(minlength=25)
    assert counts.min() > 600  # every mode is used, about uniformly
    assert torch.equal(points, sample_mixture("grid25", 20_000, seed=3))


def test_batch_stream_is_a_function_of_the_draw_index(idx_dir):
    source = build_source(DataConfig(root=str(idx_dir), image_size=28), seed=0)
    stream = BatchStream(source, 10, seed=5)
    assert stream.batches_per_epoch == 9
    first = list(zip(range(20), stream.iterate(0), strict=False))
    again = next(BatchStream(source, 10, seed=5).iterate(13))
    assert set(again) == {"image", "label"}
    assert torch.equal(first[13][1]["image"], again["image"])
    assert torch.equal(first[13][1]["label"], again["label"])
    epoch0 = torch.cat([stream.indices(d) for d in range(9)])
    assert len(set(epoch0.tolist())) == 90  # no repeats within an epoch
    assert not torch.equal(stream.indices(0), stream.indices(9))  # reshuffled next epoch
    with pytest.raises(GankitError, match="fewer than the batch size 1000"):
        BatchStream(source, 1000, seed=0)
    with pytest.raises(GankitError, match="has no 'style' field"):
        BatchStream(source, 10, seed=0, fields=["image", "style"])


def test_zip_stream_merges_fields_drawn_at_the_same_index(idx_dir):
    source = build_source(DataConfig(root=str(idx_dir), image_size=28), seed=0)
    a = BatchStream(source, 10, seed=1, fields=["image"], rename={"image": "A"})
    b = BatchStream(source, 10, seed=2, fields=["image", "label"],
                    rename={"image": "B", "label": "B_label"})
    zipped = ZipStream([a, b])
    batch = next(zipped.iterate(4))
    assert set(batch) == {"A", "B", "B_label"}
    assert torch.equal(batch["A"], source.fields["image"][a.indices(4)])
    assert torch.equal(batch["B"], source.fields["image"][b.indices(4)])
    assert not torch.equal(a.indices(4), b.indices(4))  # drawn independently


def test_folder_source_streams_through_a_loader(tmp_path):
    for i in range(6):
        Image.new("RGB", (10, 12), (40 * i, 0, 0)).save(tmp_path / f"{i}.png")
    cfg = DataConfig(dataset="folder", root=str(tmp_path), image_size=8)
    source = build_source(cfg)
    assert source.spec == data_spec(cfg).__class__("images", {"image": (3, 8, 8)}, length=6)
    assert data_spec(cfg).sample_shape == (3, 8, 8)
    batch = next(BatchStream(source, 4, seed=0).iterate(0))
    assert batch["image"].shape == (4, 3, 8, 8)


@pytest.mark.skipif(not DEBIAN_FMNIST.is_dir(), reason="Fashion-MNIST package not installed")
def test_real_fashion_mnist():
    images, labels = mnist.load_idx_split("fashion-mnist", "train")
    assert images.shape == (60000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [6000] * 10
    test_images, test_labels = mnist.load_idx_split("fashion-mnist", "test")
    assert test_images.shape == (10000, 28, 28) and np.bincount(test_labels).tolist() == [1000] * 10
    source = build_source(DataConfig(image_size=32))
    images = source.fields["image"]
    assert images.shape == (60000, 1, 32, 32) and source.spec.num_classes == 10
    assert -1.0 <= images.min() < -0.99 and 0.99 < images.max() <= 1.0


def test_image_folders_skip_gankit_runs_written_inside_them(tmp_path):
    from gankit.data.folder import list_images

    for i in range(3):
        Image.new("L", (8, 8), i).save(tmp_path / f"{i}.png")
    run = tmp_path / "runs" / "mine"
    (run / "samples").mkdir(parents=True)
    (run / "checkpoints").mkdir()
    (run / "config.toml").write_text("")
    Image.new("L", (8, 8)).save(run / "samples" / "step-00000001.png")
    assert [p.name for p in list_images(tmp_path)] == ["0.png", "1.png", "2.png"]


def test_a_training_subset_is_fixed_by_its_own_seed(idx_dir, tmp_path):
    cfg = DataConfig(dataset="fashion-mnist", root=str(idx_dir), image_size=28, subset=20)
    full = build_source(DataConfig(dataset="fashion-mnist", root=str(idx_dir), image_size=28))
    a, b = build_source(cfg, seed=1), build_source(cfg, seed=2)
    assert len(a) == 20 and torch.equal(a.fields["image"], b.fields["image"])  # not moved by the run seed
    other = build_source(DataConfig(dataset="fashion-mnist", root=str(idx_dir), image_size=28, subset=20,
                                    subset_seed=1))
    assert not torch.equal(a.fields["image"], other.fields["image"])
    rows = {tuple(r.flatten().tolist()) for r in full.fields["image"]}
    assert all(tuple(r.flatten().tolist()) in rows for r in a.fields["image"])
    assert len(build_source(cfg, split="test")) == 32  # the held-out split stays whole
    with pytest.raises(GankitError, match="more than the 96 training examples"):
        build_source(DataConfig(dataset="fashion-mnist", root=str(idx_dir), image_size=28, subset=500))
