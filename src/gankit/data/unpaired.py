"""Unpaired image folders in the CycleGAN repository's layout: ROOT/trainA/, ROOT/trainB/,
ROOT/testA/, ROOT/testB/ (or ROOT/A/, ROOT/B/ with a hashed held-out split), the two
domains read as independent sources."""

from __future__ import annotations

from pathlib import Path

import torch

from gankit.data.folder import ImageFolder
from gankit.errors import GankitError


def domain_dirs(root: str | Path, split: str) -> tuple[Path, Path, bool]:
    """(folder of domain A, of domain B, whether they are split folders) for `split`."""
    root = Path(root)
    if (root / f"{split}A").is_dir() and (root / f"{split}B").is_dir():
        return root / f"{split}A", root / f"{split}B", True
    if (root / "A").is_dir() and (root / "B").is_dir():
        return root / "A", root / "B", False
    raise GankitError(f"unpaired dataset {root}: expected {split}A/ and {split}B/ (or A/ and B/) "
                      "folders of images in it")


class DomainFolder(ImageFolder):
    """One domain's images (shorter side resized to `size`, center crop) as field `name`,
    optionally only the files of a hashed split."""

    def __init__(self, root: Path, size: int, channels: int, name: str, split: str | None = None,
                 held_out: float = 0.0) -> None:
        super().__init__(root, size, channels, split or "train", held_out if split else 0.0)
        self.name = name

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {self.name: super().__getitem__(index)["image"]}
