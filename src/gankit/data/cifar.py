"""CIFAR-10 from its python batches, read with an unpickler that only builds arrays."""

from __future__ import annotations

import io
import os
import pickle
import tarfile
from pathlib import Path

import numpy as np

from gankit.data.fetch import cache_dir, download, offline
from gankit.errors import GankitError

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
FOLDER = "cifar-10-batches-py"
SPLIT_BATCHES = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),
}


class _ArrayUnpickler(pickle.Unpickler):
    """Refuses every global but the few numpy needs to rebuild an array."""

    def find_class(self, module: str, name: str):  # noqa: ANN201
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One batch file: images (N, 3, 32, 32) uint8, labels (N,) int64."""
    try:
        entry = _ArrayUnpickler(io.BytesIO(path.read_bytes()), encoding="bytes").load()
        data = np.asarray(entry[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        labels = np.asarray(entry[b"labels"], dtype=np.int64)
    except (OSError, pickle.UnpicklingError, KeyError, ValueError, EOFError, TypeError) as err:
        raise GankitError(f"{path}: not a CIFAR-10 batch ({err})") from None
    if len(labels) != len(data):
        raise GankitError(f"{path}: {len(labels)} labels for {len(data)} images")
    return data, labels


def _candidates(root: str) -> list[Path]:
    explicit = root or os.environ.get("GANKIT_DATA", "")
    dirs = [Path(explicit), Path(explicit) / FOLDER, Path(explicit) / "cifar10" / FOLDER] if explicit else []
    return dirs if root else dirs + [cache_dir() / "cifar10" / FOLDER]


def fetch() -> Path:
    """Download and unpack the archive into the user cache; returns the batches folder."""
    target = cache_dir() / "cifar10"
    archive = download(URL, target / "cifar-10-python.tar.gz", SHA256)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target / FOLDER


def load_cifar10(split: str, root: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 3, 32, 32) uint8 and labels of a CIFAR-10 split."""
    names = SPLIT_BATCHES[split]
    dirs = _candidates(root)
    folder = next((d for d in dirs if all((d / n).is_file() for n in names)), None)
    if folder is None:
        looked = ", ".join(str(d) for d in dirs)
        if root or offline():
            raise GankitError(
                f"CIFAR-10 {split} batches not found (looked in {looked}); "
                "get them with: gankit data fetch cifar10"
            )
        folder = fetch()
    parts = [read_batch(folder / n) for n in names]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
