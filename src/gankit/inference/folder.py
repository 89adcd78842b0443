"""A model folder: a run's latest checkpoint or an export, read the same way (the index of
what it exports, each net's constructor spec, its weights) without any training code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from gankit.errors import GankitError

EXPORT_INDEX = "model_index.json"  # an export: the index of its models and nets
NET_CONFIG = "config.json"  # an export, per net: its constructor spec
NET_WEIGHTS = "model.safetensors"  # an export, per net: its weights (EMA ones where kept)
NETS_FILE = "nets.json"  # a checkpoint: {net name: constructor spec}
MODELS_FILE = "model.json"  # a checkpoint: what the run exports (see Recipe.models)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise GankitError(f"{path} is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise GankitError(f"{path}: unreadable ({err})") from None


@dataclass
class ModelFolder:
    """Where a model's files are: `index` (models, ema, step), `specs` per net, weights."""

    path: Path
    index: dict[str, Any]
    specs: dict[str, Any]
    exported: bool

    @classmethod
    def open(cls, path: str | Path) -> ModelFolder:
        path = Path(path)
        if (path / EXPORT_INDEX).is_file():
            index = _read_json(path / EXPORT_INDEX)
            specs = {name: _read_json(path / name / NET_CONFIG) for name in index.get("nets", [])}
            return cls(path, index, specs, exported=True)
        from gankit.runs import require_checkpoint, require_run

        checkpoint = require_checkpoint(require_run(path))
        if not (checkpoint / MODELS_FILE).is_file():
            raise GankitError(f"{checkpoint} has no {MODELS_FILE}: it was written by gankit 0.1, "
                              "whose checkpoints do not describe their nets; retrain it")
        return cls(checkpoint, _read_json(checkpoint / MODELS_FILE),
                   _read_json(checkpoint / NETS_FILE), exported=False)

    def model(self, name: str | None = None) -> tuple[str, dict[str, Any]]:
        """(name, entry) of the model `name`, or of the first model when None."""
        models = self.index.get("models", {})
        if not models:
            raise GankitError(f"{self.path} exports no model")
        if name is None:
            name = next(iter(models))
        if name not in models:
            raise GankitError(f"{self.path} has no model '{name}' (it has {', '.join(models)})")
        return name, models[name]

    def weights(self, net: str, ema: bool = True) -> Path:
        if self.exported:
            return self.path / net / NET_WEIGHTS
        averaged = self.path / f"{net}_ema.safetensors"
        return averaged if ema and averaged.is_file() else self.path / f"{net}.safetensors"

    def load_net(self, net: str, ema: bool = True, device: str | torch.device = "cpu") -> nn.Module:
        """The net `net`, its weights loaded (EMA ones when kept and `ema`), in eval mode."""
        from gankit.nets.registry import build_from_spec
        from gankit.weights import load_weights

        if net not in self.specs:
            raise GankitError(f"{self.path} describes no net '{net}'")
        module = build_from_spec(self.specs[net])
        load_weights(module, self.weights(net, ema))
        return module.to(device).eval().requires_grad_(False)
