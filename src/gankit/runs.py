"""Run directories: their config, their checkpoints, and the trained generator."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

from gankit.config import RunConfig, config_from_dict, read_toml
from gankit.errors import GankitError

CONFIG_FILE = "config.toml"


def write_config(run_dir: Path, cfg: RunConfig, header: str = "") -> None:
    """Write RUN/config.toml atomically (temporary file, then rename)."""
    from gankit.config import to_toml

    tmp = Path(run_dir) / f".{CONFIG_FILE}.tmp"
    tmp.write_text(to_toml(cfg, header))
    os.replace(tmp, Path(run_dir) / CONFIG_FILE)


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


def load_generator(run_dir: str | Path, ema: bool = True,
                   device: str | torch.device = "cpu") -> nn.Module:
    """The run's latest generator (its EMA copy when there is one and `ema`), in eval mode.

    >>> G = gankit.load_generator("runs/demo"); images = G(torch.randn(16, G.latent_dim))
    """
    from gankit.data import data_spec
    from gankit.recipes import RECIPES
    from gankit.train.checkpoint import latest_checkpoint, load_weights

    run_dir = require_run(run_dir)
    cfg = load_run_config(run_dir)
    checkpoint = latest_checkpoint(run_dir)
    if checkpoint is None:
        raise GankitError(f"{run_dir} has no checkpoint yet (nothing in {run_dir}/checkpoints)")
    generator = RECIPES[cfg.recipe].make_generator(cfg.model, data_spec(cfg.data).sample_shape)
    weights = checkpoint / "generator_ema.safetensors"
    if not (ema and weights.is_file()):
        weights = checkpoint / "generator.safetensors"
    load_weights(generator, weights)
    return generator.to(device).eval().requires_grad_(False)


def load_discriminator(run_dir: str | Path, device: str | torch.device = "cpu") -> nn.Module:
    """The latest discriminator of an unconditional GAN run, in eval mode."""
    from gankit.data import data_spec
    from gankit.nets import build_discriminator
    from gankit.train.checkpoint import latest_checkpoint, load_weights

    cfg = load_run_config(run_dir)
    checkpoint = latest_checkpoint(Path(run_dir))
    if checkpoint is None:
        raise GankitError(f"{run_dir} has no checkpoint yet (nothing in {run_dir}/checkpoints)")
    discriminator = build_discriminator(cfg.model, data_spec(cfg.data).sample_shape)
    load_weights(discriminator, checkpoint / "discriminator.safetensors")
    return discriminator.to(device).eval().requires_grad_(False)


def load_classifier(run_dir: str | Path, baseline: bool = False,
                    device: str | torch.device = "cpu") -> nn.Module:
    """The classifier of a semi-supervised run (its D; with `baseline`, the supervised-only
    network trained on the same labels): float NCHW images in [-1, 1] → K logits, eval mode.

    >>> C = gankit.load_classifier("runs/ssgan"); predicted = C(images).argmax(1)
    """
    from gankit.data import data_spec
    from gankit.nets.conditional import ClassifierDiscriminator
    from gankit.train.checkpoint import latest_checkpoint, load_weights

    run_dir = require_run(run_dir)
    cfg = load_run_config(run_dir)
    if cfg.recipe != "ssgan":
        raise GankitError(f"{run_dir} is a {cfg.recipe} run; classifiers come from ssgan runs")
    checkpoint = latest_checkpoint(run_dir)
    if checkpoint is None:
        raise GankitError(f"{run_dir} has no checkpoint yet (nothing in {run_dir}/checkpoints)")
    net = ClassifierDiscriminator(data_spec(cfg.data).sample_shape, cfg.model.num_classes, cfg.model.d_width)
    load_weights(net, checkpoint / ("baseline.safetensors" if baseline else "discriminator.safetensors"))
    return net.to(device).eval().requires_grad_(False)
