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

from gankit.runs import STATE_FILE, latest_checkpoint, load_state, step_dirs
from gankit.weights import load_weights

__all__ = ["STATE_FILE", "latest_checkpoint", "load_state", "load_weights", "save_checkpoint"]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_checkpoint(run_dir: Path, step: int, nets: dict[str, nn.Module],
                    state: dict[str, Any], keep: int = 2, files: dict[str, str] | None = None) -> Path:
    """Write nets, state and text `files` (name -> content) for `step`, repoint `latest`,
    keep the newest `keep` checkpoints."""
    root = Path(run_dir) / "checkpoints"
    root.mkdir(parents=True, exist_ok=True)
    for leftover in root.glob(".tmp-*"):  # from a write that was cut short
        shutil.rmtree(leftover, ignore_errors=True)
    final = root / f"step-{step:08d}"
    if not final.is_dir():
        tmp = root / f".tmp-{final.name}-{os.getpid()}"
        tmp.mkdir()
        for name, net in nets.items():
            tensors = {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}
            save_file(tensors, tmp / f"{name}.safetensors", metadata={"step": str(step)})
            _fsync(tmp / f"{name}.safetensors")
        torch.save({"step": step, **state}, tmp / STATE_FILE)
        _fsync(tmp / STATE_FILE)
        for name, text in (files or {}).items():
            (tmp / name).write_text(text)
            _fsync(tmp / name)
        os.rename(tmp, final)
    link_tmp = root / f".latest-{os.getpid()}"
    link_tmp.unlink(missing_ok=True)
    os.symlink(final.name, link_tmp)
    os.replace(link_tmp, root / "latest")
    _fsync(root)
    for old in step_dirs(root)[:-keep] if keep > 0 else []:
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    return final
