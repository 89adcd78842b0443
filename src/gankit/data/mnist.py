"""MNIST and Fashion-MNIST: find the IDX files (or download them) and load a split."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gankit.data.fetch import cache_dir, download, offline
from gankit.data.idx import read_idx
from gankit.errors import GankitError

SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


@dataclass(frozen=True)
class IdxDataset:
    """Where one IDX dataset lives: its Debian directory, mirrors and file checksums."""

    name: str
    debian_dir: str
    install_hint: str
    mirrors: tuple[str, ...]
    sha256: dict[str, str]  # of the canonical .gz files


IDX_DATASETS = {
    "fashion-mnist": IdxDataset(
        name="fashion-mnist",
        debian_dir="/usr/share/datasets/fashion-mnist",
        install_hint="sudo apt-get install dataset-fashion-mnist, or gankit data fetch fashion-mnist",
        mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        sha256={
            "train-images-idx3-ubyte": "08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc",
            "train-labels-idx1-ubyte": "b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc",
            "t10k-images-idx3-ubyte": "78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229",
            "t10k-labels-idx1-ubyte": "42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf",
        },
    ),
    "mnist": IdxDataset(
        name="mnist",
        debian_dir="/usr/share/datasets/mnist",
        install_hint="gankit data fetch mnist",
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ),
        sha256={
            "train-images-idx3-ubyte": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "train-labels-idx1-ubyte": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "t10k-images-idx3-ubyte": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "t10k-labels-idx1-ubyte": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
    ),
}


def search_dirs(dataset: IdxDataset, root: str = "") -> list[Path]:
    """Directories searched, in order: $GANKIT_DATA, Debian's, the user cache. An explicit
    `root` (--data-dir) is the only place searched: data elsewhere is never used silently."""
    if root:
        return [Path(root), Path(root) / dataset.name]
    dirs = []
    if os.environ.get("GANKIT_DATA"):
        env = Path(os.environ["GANKIT_DATA"])
        dirs += [env, env / dataset.name]
    return dirs + [Path(dataset.debian_dir), cache_dir() / dataset.name]


def _find(directory: Path, stem: str) -> Path | None:
    for name in (f"{stem}.gz", stem, stem.replace("-idx", ".idx")):
        if (directory / name).is_file():
            return directory / name
    return None


def fetch(dataset: IdxDataset, files: tuple[str, ...] | None = None) -> Path:
    """Download (and check) the dataset's .gz files into the user cache; returns its dir."""
    target = cache_dir() / dataset.name
    for stem in files or tuple(dataset.sha256):
        errors = []
        for mirror in dataset.mirrors:
            try:
                download(mirror + stem + ".gz", target / f"{stem}.gz", dataset.sha256[stem])
                break
            except GankitError as err:
                errors.append(str(err))
        else:
            raise GankitError("; ".join(errors))
    return target


def locate(name: str, split: str, root: str = "") -> tuple[Path, Path]:
    """Paths of (images, labels) for a split, downloading into the cache as a last resort."""
    dataset = IDX_DATASETS[name]
    stems = SPLIT_FILES[split]
    dirs = search_dirs(dataset, root)
    for directory in dirs:
        found = [_find(directory, stem) for stem in stems]
        if all(found):
            return found[0], found[1]
    if root:
        raise GankitError(f"{name} {split} split not found in {root} (expected {stems[0]}.gz)")
    looked = ", ".join(str(d) for d in dirs)
    if offline():
        raise GankitError(
            f"{name} not found (looked in {looked}; downloads off as GANKIT_OFFLINE is set); "
            f"get it with: {dataset.install_hint}"
        )
    try:
        target = fetch(dataset, stems)
    except GankitError as err:
        raise GankitError(
            f"{name} not found (looked in {looked}) and the download failed ({err}); "
            f"get it with: {dataset.install_hint}"
        ) from None
    return target / f"{stems[0]}.gz", target / f"{stems[1]}.gz"


def load_idx_split(name: str, split: str, root: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Images (N, H, W) uint8 and labels (N,) int64 of a split."""
    images_path, labels_path = locate(name, split, root)
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3:
        raise GankitError(f"{images_path}: expected images of shape (N, H, W), got {images.shape}")
    if labels.shape != (images.shape[0],):
        raise GankitError(
            f"{labels_path}: {labels.shape[0] if labels.ndim else 0} labels for "
            f"{images.shape[0]} images in {images_path}"
        )
    return images, labels.astype(np.int64)
