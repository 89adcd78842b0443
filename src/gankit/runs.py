"""Run directories: their config, their checkpoints, and the nets trained in them."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import torch
from torch import nn

from gankit.config import RunConfig, config_from_dict, read_toml
from gankit.errors import GankitError

CONFIG_FILE = "config.toml"
STATE_FILE = "state.pt"


def write_config(run_dir: Path, cfg: RunConfig, header: str = "") -> None:
    """Write RUN/config.toml atomically (temporary file, then rename)."""
    from gankit.config import to_toml
    from gankit.io import write_text

    write_text(Path(run_dir) / CONFIG_FILE, to_toml(cfg, header))


def require_run(run_dir: str | Path) -> Path:
    """`run_dir` as a Path, or a one-line error if it is not a gankit run directory."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise GankitError(f"{run_dir}: no such run directory")
    if not (run_dir / CONFIG_FILE).is_file():
        raise GankitError(f"{run_dir} is not a gankit run (no {CONFIG_FILE} in it)")
    return run_dir


def load_run_config(run_dir: str | Path) -> RunConfig:
    """The resolved config a run was started with."""
    path = require_run(run_dir) / CONFIG_FILE
    try:
        return config_from_dict(read_toml(path))
    except GankitError as err:
        raise GankitError(f"{path}: {err}") from None


def step_dirs(root: Path) -> list[Path]:
    """The step-NNNNNNNN checkpoint directories under `root`, oldest first."""
    return sorted(p for p in root.glob("step-*") if p.is_dir() and not p.is_symlink())


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The checkpoint `latest` points to, else the newest complete step directory."""
    root = Path(run_dir) / "checkpoints"
    latest = root / "latest"
    if latest.is_dir() and (latest / STATE_FILE).is_file():
        return latest.resolve()
    complete = [d for d in step_dirs(root) if (d / STATE_FILE).is_file()]
    return complete[-1] if complete else None


def completed_steps(run_dir: str | Path) -> int:
    """The step of the run's latest checkpoint (0 before the first)."""
    checkpoint = latest_checkpoint(Path(run_dir))
    return 0 if checkpoint is None else int(load_state(checkpoint)["step"])


def load_state(checkpoint: Path) -> dict[str, Any]:
    """The state file of a checkpoint (tensors and plain values only: weights_only=True)."""
    try:
        return torch.load(checkpoint / STATE_FILE, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError, pickle.UnpicklingError) as err:
        reason = str(err).splitlines()[0][:200]
        raise GankitError(f"{checkpoint / STATE_FILE}: unreadable training state ({reason})") from None


def require_checkpoint(run_dir: str | Path) -> Path:
    checkpoint = latest_checkpoint(Path(run_dir))
    if checkpoint is None:
        raise GankitError(f"{run_dir} has no checkpoint yet (nothing in {run_dir}/checkpoints)")
    return checkpoint


def load_generator(run_dir: str | Path, ema: bool = True,
                   device: str | torch.device = "cpu") -> nn.Module:
    """The run's latest generator (its EMA copy when there is one and `ema`), in eval mode.

    >>> G = gankit.load_generator("runs/demo"); images = G(torch.randn(16, G.latent_dim))
    """
    from gankit.inference import load

    return load(run_dir, ema=ema, device=device).generator


def load_discriminator(run_dir: str | Path, device: str | torch.device = "cpu") -> nn.Module:
    """The latest discriminator of a run whose D's logit estimates log p_data/p_G."""
    from gankit.inference import load

    return load(run_dir, model="critic", device=device)


def load_classifier(run_dir: str | Path, baseline: bool = False,
                    device: str | torch.device = "cpu") -> nn.Module:
    """The classifier of a semi-supervised run (its D; with `baseline`, the supervised-only
    network trained on the same labels): float NCHW images in [-1, 1] → K logits, eval mode.

    >>> C = gankit.load_classifier("runs/ssgan"); predicted = C(images).argmax(1)
    """
    from gankit.inference import load

    return load(run_dir, model="baseline" if baseline else "classifier", device=device)
