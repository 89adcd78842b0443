"""Checkpoints: weights as safetensors plus a state file, written so a crash never leaves a
half-written one.

Layout: RUN/checkpoints/step-NNNNNNNN/{NET}.safetensors and state.pt, with
RUN/checkpoints/latest a symlink to the newest. A checkpoint is written into a temporary
directory, fsynced, renamed to its step directory, and only then is `latest` repointed
(symlink + rename, atomic on POSIX). At any moment `latest` names a complete checkpoint.
"""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from gankit.errors import GankitError

STATE_FILE = "state.pt"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _step_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("step-*") if p.is_dir() and not p.is_symlink())


def save_checkpoint(run_dir: Path, step: int, nets: dict[str, nn.Module],
                    state: dict[str, Any], keep: int = 2) -> Path:
    """Write nets and state for `step`, repoint `latest`, keep the newest `keep` checkpoints."""
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
        os.rename(tmp, final)
    link_tmp = root / f".latest-{os.getpid()}"
    link_tmp.unlink(missing_ok=True)
    os.symlink(final.name, link_tmp)
    os.replace(link_tmp, root / "latest")
    _fsync(root)
    for old in _step_dirs(root)[:-keep] if keep > 0 else []:
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    return final


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The checkpoint `latest` points to, else the newest complete step directory."""
    root = Path(run_dir) / "checkpoints"
    latest = root / "latest"
    if latest.is_dir() and (latest / STATE_FILE).is_file():
        return latest.resolve()
    complete = [d for d in _step_dirs(root) if (d / STATE_FILE).is_file()]
    return complete[-1] if complete else None


def load_weights(net: nn.Module, path: Path) -> None:
    """Load a safetensors file into `net`, with one readable line if they do not match."""
    try:
        tensors = load_file(path)
    except (SafetensorError, OSError) as err:
        raise GankitError(f"{path}: unreadable weights ({err})") from None
    own = net.state_dict()
    missing = sorted(set(own) - set(tensors))
    unexpected = sorted(set(tensors) - set(own))
    wrong = [k for k in own if k in tensors and own[k].shape != tensors[k].shape]
    if missing or unexpected or wrong:
        detail = (f"missing {missing[0]}" if missing else f"unexpected {unexpected[0]}"
                  if unexpected else f"{wrong[0]} is {tuple(tensors[wrong[0]].shape)}, "
                  f"the config's net has {tuple(own[wrong[0]].shape)}")
        raise GankitError(f"{path}: weights do not match the network of this config ({detail})")
    net.load_state_dict(tensors)


def load_state(checkpoint: Path) -> dict[str, Any]:
    """The state file of a checkpoint (tensors and plain values only: weights_only=True)."""
    try:
        return torch.load(checkpoint / STATE_FILE, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError, pickle.UnpicklingError) as err:
        reason = str(err).splitlines()[0][:200]
        raise GankitError(f"{checkpoint / STATE_FILE}: unreadable training state ({reason})") from None
