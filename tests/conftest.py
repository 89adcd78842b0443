"""Shared fixtures: nothing fetches, caches live in tmp, and tiny real-format datasets."""

from __future__ import annotations

import numpy as np
import pytest

from gankit.config import RunConfig, config_from_dict
from gankit.data.idx import write_idx


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("GANKIT_OFFLINE", "1")
    monkeypatch.setenv("GANKIT_CACHE", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("GANKIT_DATA", raising=False)


def make_idx_dataset(directory, n_train: int = 96, n_test: int = 32, seed: int = 0):
    """A tiny Fashion-MNIST-shaped IDX dataset: bright blocks whose position is the label."""
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
        for i, label in enumerate(labels):
            row, col = divmod(int(label), 5)
            images[i, 4 + 10 * row : 12 + 10 * row, 2 + 5 * col : 6 + 5 * col] = 230
        write_idx(directory / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(directory / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return directory


@pytest.fixture
def idx_dir(tmp_path):
    return make_idx_dataset(tmp_path / "fmnist")


def tiny_config(data_root: str, gan: dict | None = None, **train) -> RunConfig:
    """A DCGAN small enough that a step takes milliseconds (`gan`: the [gan] options)."""
    values = {
        "gan": gan or {},
        "data": {"dataset": "fashion-mnist", "root": str(data_root), "image_size": 28},
        "nets": {"G": {"arch": "dcgan", "latent_dim": 8, "width": 8}, "D": {"arch": "dcgan", "width": 8}},
        "train": {"device": "cpu", "precision": "fp32", "steps": 6, "batch_size": 16, "log_every": 2,
                  "sample_every": 3, "checkpoint_every": 3, "grid_size": 8, "tensorboard": False,
                  **train},
    }
    return config_from_dict(values)


@pytest.fixture
def tiny_cfg(idx_dir):
    return tiny_config(idx_dir)


def make_paired_folders(root, n_train: int = 24, n_test: int = 8, size: int = 16, seed: int = 0,
                        layout: str = "folders", rgb: bool = False):
    """A tiny paired dataset: B is A inverted (255 - A), so every pair has exact ground
    truth. Layout "folders": A/{train,test}/NAME.png and B/...; "aligned": {train,test}/NAME.png
    holding A|B side by side."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    for split, n in (("train", n_train), ("test", n_test)):
        for i in range(n):
            a = rng.integers(0, 256, (size, size, 3) if rgb else (size, size)).astype(np.uint8)
            a[: size // 2, : size // 2] = 255 - 20 * (i % 8)  # a bright block: some structure
            b = 255 - a
            name = f"{split}-{i:03d}.png"
            if layout == "aligned":
                (root / split).mkdir(parents=True, exist_ok=True)
                Image.fromarray(np.concatenate([a, b], axis=1)).save(root / split / name)
            else:
                for side, image in (("A", a), ("B", b)):
                    (root / side / split).mkdir(parents=True, exist_ok=True)
                    Image.fromarray(image).save(root / side / split / name)
    return root


@pytest.fixture
def paired_dir(tmp_path):
    return make_paired_folders(tmp_path / "pairs")


def tiny_translation_config(root, recipe: str = "l1", **train) -> RunConfig:
    """A U-Net translator on 16-px pairs, a few milliseconds a step."""
    values = {
        "recipe": recipe,
        "data": {"dataset": "paired", "root": str(root), "image_size": 16},
        "nets": {"G": {"arch": "unet", "width": 4}},
        "train": {"device": "cpu", "steps": 6, "batch_size": 4, "log_every": 2, "sample_every": 3,
                  "checkpoint_every": 3, "tensorboard": False, **train},
    }
    return config_from_dict(values)


def make_unpaired_folders(root, n_a: int = 10, n_b: int = 14, n_test: int = 4, size: int = 16,
                          seed: int = 0):
    """A tiny unpaired dataset in the CycleGAN layout: trainA/ dark squares, trainB/ bright ones
    (RGB), testA/ and testB/ of `n_test` each."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    for folder, n, level in (("trainA", n_a, 40), ("trainB", n_b, 200), ("testA", n_test, 40),
                             ("testB", n_test, 200)):
        (root / folder).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            image = rng.integers(0, 30, (size, size, 3)) + level
            Image.fromarray(image.clip(0, 255).astype(np.uint8)).save(root / folder / f"{i:03d}.png")
    return root
