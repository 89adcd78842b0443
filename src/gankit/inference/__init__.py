"""Using trained models without any training code: `load` a run or an export as a Sampler
(or a classifier or critic net), and `export` a run into a self-describing folder."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from gankit.errors import GankitError
from gankit.inference.folder import ModelFolder
from gankit.inference.sampler import Sampler
from gankit.inference.translator import Translator

__all__ = ["ModelFolder", "Sampler", "Translator", "export", "load", "load_sampler"]


def export(run: str | Path, out: str | Path | None = None, ema: bool = True) -> Path:
    """Write a run's models into a self-describing folder (see gankit.inference.exporter)."""
    from gankit.inference.exporter import export as write_export

    return write_export(run, out, ema)


def load(path: str | Path, model: str | None = None, ema: bool = True,
         device: str | torch.device = "cpu") -> Sampler | Translator | nn.Module:
    """The model `model` (default: the first the folder exports) of a run directory (its
    latest checkpoint) or an export: a Sampler or Translator, or the net itself for
    classifiers and critics. EMA weights are used where kept, unless `ema` is False."""
    if torch.device(device).type == "cuda" and not torch.cuda.is_available():
        raise GankitError("--device cuda: no CUDA device is available here; use --device cpu")
    folder = ModelFolder.open(path)
    name, entry = folder.model(model)
    kind = entry.get("kind")
    net = folder.load_net(entry["net"], ema=ema, device=device)
    if kind == "sampler":
        return Sampler(net, entry["latent_dim"], entry.get("num_classes"), tuple(entry["output_shape"]),
                       entry.get("dataset", ""))
    if kind == "translator":
        return Translator(net, tuple(entry["source_shape"]), tuple(entry["target_shape"]),
                          entry.get("latent_dim", 0), entry.get("num_styles"),
                          entry.get("test_mode", "eval"), entry.get("scale", 1), entry.get("any_size", False))
    if kind in ("classifier", "critic", "encoder"):
        return net
    raise GankitError(f"{path}: model '{name}' is a {kind}, which this gankit cannot load")


def load_sampler(path: str | Path, ema: bool = True, device: str | torch.device = "cpu") -> Sampler:
    """The sampler of a run or export, or one line saying that it has none."""
    folder = ModelFolder.open(path)
    samplers = [name for name, entry in folder.index.get("models", {}).items()
                if entry.get("kind") == "sampler"]
    if not samplers:
        kinds = ", ".join(e.get("kind", "?") for e in folder.index.get("models", {}).values())
        raise GankitError(f"{path} holds no sampler of noise (it holds: {kinds or 'nothing'}); "
                          "this command draws samples")
    return load(path, samplers[0], ema=ema, device=device)
