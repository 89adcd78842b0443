"""What identifies a run's data, so a moved dataset can be accepted on resume (the same
files somewhere else) and another one refused: count, shapes and a content hash."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import torch

from gankit.config import DataConfig
from gankit.errors import GankitError

DATA_FILE = "data.json"
SAMPLED_FILES = 16  # files whose bytes enter the hash (all names and sizes always do)


def _files_digest(files: list[Path], root: Path, digest) -> None:
    for path in files:
        name = path.relative_to(root) if root.parts and path.is_relative_to(root) else path
        digest.update(f"{name}\0{path.stat().st_size}\n".encode())
    step = max(1, len(files) // SAMPLED_FILES)
    for path in files[::step][:SAMPLED_FILES]:
        digest.update(path.read_bytes())


def fingerprint(cfg: DataConfig, seed: int = 0) -> dict[str, Any]:
    """{count, shapes, sha256} of the training data of `cfg` (folders: every file's name and
    size and the bytes of a spread of files; in-memory data: every tensor's bytes)."""
    from gankit.data.source import build_source

    source = build_source(cfg, seed)
    digest = hashlib.sha256()
    parts = source.parts.values() if source.parts else [source]
    for part in parts:
        dataset = part.dataset
        files = getattr(dataset, "files", None) or [p for pair in getattr(dataset, "pairs", [])
                                                     for p in pair[:2]]
        if files:
            _files_digest(files, Path(cfg.root), digest)
        elif part.fields is not None:
            for key in sorted(part.fields):
                digest.update(key.encode())
                digest.update(part.fields[key].cpu().contiguous().view(torch.uint8).numpy().tobytes())
    shapes = {k: list(v) for k, v in source.spec.shapes.items()}
    return {"count": len(source), "shapes": shapes, "sha256": digest.hexdigest()}


def write_fingerprint(run_dir: Path, cfg: DataConfig, seed: int = 0) -> None:
    from gankit.io import write_text

    write_text(Path(run_dir) / DATA_FILE, json.dumps(fingerprint(cfg, seed), indent=1) + "\n")


def check_same_data(run_dir: Path, cfg: DataConfig, seed: int = 0) -> None:
    """Refuse, in one line, data that is not what the run recorded when it started."""
    path = Path(run_dir) / DATA_FILE
    if not path.is_file():
        raise GankitError(f"{run_dir} recorded no fingerprint of its data ({DATA_FILE}), so a new "
                          "data directory cannot be checked")
    recorded, found = json.loads(path.read_text()), fingerprint(cfg, seed)
    for key, what in (("count", "examples"), ("shapes", "shapes"), ("sha256", "content")):
        if recorded[key] != found[key]:
            shown = (f"{found[key]} {what}, the run had {recorded[key]}" if key == "count"
                     else f"other {what} than the run's")
            raise GankitError(f"{cfg.root} is not the data {run_dir} trained on ({shown})")
