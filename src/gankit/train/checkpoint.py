"""Checkpoints: weights as safetensors plus a state file, written so a crash never leaves a
half-written one.

Layout: RUN/checkpoints/step-NNNNNNNN/{NET}.safetensors and state.pt, with
RUN/checkpoints/latest a symlink to the newest. A checkpoint is written into a temporary
directory, fsynced, renamed to its step directory, and only then is `latest` repointed
(symlink + rename, atomic on POSIX). At any moment `latest` names a complete checkpoint.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file
from torch import nn

from gankit.errors import GankitError
from gankit.runs import STATE_FILE, latest_checkpoint, load_state, step_dirs
from gankit.weights import load_weights

__all__ = ["STATE_FILE", "latest_checkpoint", "load_state", "load_weights", "save_checkpoint"]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def clean_leftovers(root: Path) -> None:
    """Remove what a write or prune cut short left behind (temporary, trashed, link files)."""
    for pattern in (".tmp-*", ".trash-*", ".latest-*"):
        for leftover in root.glob(pattern):
            if leftover.is_symlink() or leftover.is_file():
                leftover.unlink(missing_ok=True)
            else:
                shutil.rmtree(leftover, ignore_errors=True)


def _remove(path: Path) -> None:
    """Delete a checkpoint folder: renamed away first, so a kill mid-way leaves no folder that
    looks like a checkpoint but lacks its weights."""
    trash = path.parent / f".trash-{path.name}-{os.getpid()}"
    os.rename(path, trash)
    shutil.rmtree(trash, ignore_errors=True)


def _write(tmp: Path, step: int, nets: dict[str, nn.Module], state: dict[str, Any],
           files: dict[str, str]) -> None:
    tmp.mkdir()
    for name, net in nets.items():
        tensors = {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}
        save_file(tensors, tmp / f"{name}.safetensors", metadata={"step": str(step)})
        _fsync(tmp / f"{name}.safetensors")
    torch.save({"step": step, **state}, tmp / STATE_FILE)
    _fsync(tmp / STATE_FILE)
    for name, text in files.items():
        (tmp / name).write_text(text)
        _fsync(tmp / name)
    _fsync(tmp)  # the folder's entries, before the rename makes it a checkpoint


def save_checkpoint(run_dir: Path, step: int, nets: dict[str, nn.Module],
                    state: dict[str, Any], keep: int = 2, files: dict[str, str] | None = None) -> Path:
    """Write nets, state and text `files` (name -> content) for `step`, repoint `latest`,
    keep the newest `keep` checkpoints. A step folder that `latest` does not point to is a
    stale state of that name (a rolled-back run's): it is replaced, never adopted. A failed
    write (a full disk) removes its temporary folder and says which checkpoint is last."""
    root = Path(run_dir) / "checkpoints"
    root.mkdir(parents=True, exist_ok=True)
    clean_leftovers(root)
    final = root / f"step-{step:08d}"
    latest = latest_checkpoint(Path(run_dir))
    if not (final.is_dir() and latest is not None and latest == final.resolve()):
        tmp = root / f".tmp-{final.name}-{os.getpid()}"
        try:
            _write(tmp, step, nets, state, files or {})
            if final.is_dir():
                _remove(final)
            os.rename(tmp, final)
        except OSError as err:
            shutil.rmtree(tmp, ignore_errors=True)
            from gankit.io import describe_os_error

            kept = f"the last complete checkpoint is {latest}" if latest else "no checkpoint was written yet"
            what = describe_os_error(err, final, "writing the checkpoint")
            raise GankitError(f"{what}; {kept}") from None
    link_tmp = root / f".latest-{os.getpid()}"
    link_tmp.unlink(missing_ok=True)
    os.symlink(final.name, link_tmp)
    os.replace(link_tmp, root / "latest")
    _fsync(root)
    # prune among this run's past (a rolled-back run's newer folders wait to be replaced)
    past = [d for d in step_dirs(root) if d.name <= final.name]
    for old in past[:-keep] if keep > 0 else []:
        _remove(old)
    return final
