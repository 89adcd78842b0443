"""Paired image folders, in the two layouts users have:

- aligned: each file holds A and B side by side (A left), as the pix2pix repository's
  `facades` or `edges2shoes`; under ROOT/{split}/ when split folders exist, else ROOT/;
- folders: ROOT/A/ and ROOT/B/ (or ROOT/A/{split}/ and ROOT/B/{split}/) whose files match by
  relative name (extension aside).

Without split folders, `held_out` of the pairs (chosen by a hash of the name, so adding
files moves no other pair) form the test split. Every problem is one line: how many, which
first."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from gankit.data.folder import EXTENSIONS, load_image, open_checked, to_8bit
from gankit.errors import GankitError

LAYOUTS = ("auto", "aligned", "folders")


def hashed_split(name: str, held_out: float) -> str:
    """'test' for about `held_out` of all names, 'train' for the rest (stable per name)."""
    return "test" if zlib.crc32(name.encode()) % 10_000 < held_out * 10_000 else "train"


def _images(root: Path) -> dict[str, Path]:
    files = {}
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() in EXTENSIONS and path.is_file():
            files[str(path.relative_to(root).with_suffix(""))] = path
    return files


def _one_line(problem: str, names: list[str], where: Path) -> GankitError:
    return GankitError(f"{where}: {len(names)} {problem} (first: {names[0]})")


def _split_dir(root: Path, split: str) -> tuple[Path, bool]:
    """(folder of `split`, whether split folders exist)."""
    return (root / split, True) if (root / split).is_dir() else (root, False)


class PairedFolder(torch.utils.data.Dataset):
    """(A, B) pairs as float CHW in [-1, 1], each side resized to `size` (bicubic)."""

    def __init__(self, root: str | Path, split: str = "train", size: int = 256, channels: int = 0,
                 layout: str = "auto", direction: str = "AtoB", held_out: float = 0.0,
                 check: bool = True) -> None:
        root = Path(root)
        if not root.is_dir():
            raise GankitError(f"paired dataset {root} does not exist")
        if layout == "auto":
            layout = "folders" if (root / "A").is_dir() and (root / "B").is_dir() else "aligned"
        self.layout, self.size, self.swap = layout, size, direction == "BtoA"
        if layout == "folders":
            dir_a, has_splits = _split_dir(root / "A", split)
            dir_b, _ = _split_dir(root / "B", split)
            a, b = _images(dir_a), _images(dir_b)
            for lone, other, where in ((sorted(set(a) - set(b)), "B", dir_a),
                                       (sorted(set(b) - set(a)), "A", dir_b)):
                if lone:
                    raise _one_line(f"files have no match of the same name in {other}/", lone, where)
            self.pairs = [(a[name], b[name], name) for name in sorted(a)]
        else:
            folder, has_splits = _split_dir(root, split)
            self.pairs = [(path, path, name) for name, path in _images(folder).items()]
        if not has_splits and held_out > 0:
            self.pairs = [p for p in self.pairs if hashed_split(p[2], held_out) == split]
        if not self.pairs:
            raise GankitError(f"no image pairs ({layout} layout, split {split}) under {root}")
        self.channels = channels or self._native_channels()
        if check:  # every file's header, so a bad file stops the run before training
            self._check_headers(root)

    def _native_channels(self) -> int:
        with Image.open(self.pairs[0][0]) as image:
            return 1 if image.mode in ("L", "1", "I;16", "I") else 3

    def _check_headers(self, root: Path) -> None:
        unreadable, mismatched, odd = [], [], []
        for path_a, path_b, name in self.pairs:
            try:
                with open_checked(path_a) as a, open_checked(path_b) as b:
                    if self.layout == "aligned" and a.width % 2:
                        odd.append(name)
                    elif self.layout == "folders" and a.size != b.size:
                        mismatched.append(f"{name}: A {a.size[0]}x{a.size[1]}, B {b.size[0]}x{b.size[1]}")
            except (GankitError, UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
                unreadable.append(f"{name} ({str(err).splitlines()[0][:80]})")
        if unreadable:
            raise _one_line("image files are unreadable", unreadable, root)
        if mismatched:
            raise _one_line("pairs differ in size between A and B", mismatched, root)
        if odd:
            raise _one_line("aligned images have an odd width (A|B side by side needs an even one)",
                            odd, root)

    def __len__(self) -> int:
        return len(self.pairs)

    def names(self) -> list[str]:
        return [name for _, _, name in self.pairs]

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        path_a, path_b, _ = self.pairs[index]
        if self.layout == "aligned":
            a, b = _halves(path_a, self.size, self.channels)
        else:
            a = load_image(path_a, self.size, self.channels, crop=False)
            b = load_image(path_b, self.size, self.channels, crop=False)
        return {"A": b, "B": a} if self.swap else {"A": a, "B": b}


def _halves(path: Path, size: int, channels: int) -> tuple[torch.Tensor, torch.Tensor]:
    try:
        with open_checked(path) as image:
            image = to_8bit(image, channels)
            w, h = image.size
            halves = [image.crop((0, 0, w // 2, h)), image.crop((w // 2, 0, w, h))]
            arrays = [np.asarray(half.resize((size, size), Image.Resampling.BICUBIC), dtype=np.uint8)
                      for half in halves]
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise GankitError(f"{path}: unreadable image ({err})") from None
    out = []
    for array in arrays:
        array = array[:, :, None] if array.ndim == 2 else array
        out.append(torch.from_numpy(array.copy()).permute(2, 0, 1).float().div_(127.5).sub_(1.0))
    return out[0], out[1]
