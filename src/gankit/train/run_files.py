"""The files that make a run directory self-describing: the resolved config, and beside
every checkpoint's weights the constructor spec of each net and what the run exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from gankit import __version__
from gankit.config import RunConfig
from gankit.inference.folder import MODELS_FILE, NETS_FILE
from gankit.nets.registry import net_spec


def write_run_config(run_dir: Path, cfg: RunConfig, note: str = "") -> None:
    from gankit.runs import write_config

    header = f"gankit {__version__}, torch {torch.__version__}, numpy {np.__version__}"
    write_config(run_dir, cfg, header + (f"\n{note}" if note else ""))


def describe_nets(nets: dict[str, nn.Module], models: dict[str, Any], ema: list[str],
                  step: int) -> dict[str, str]:
    """The JSON files written into a checkpoint beside its weights."""
    specs = {name: net_spec(net) for name, net in nets.items()}
    index = {"gankit": __version__, "step": step, "models": models, "ema": ema}
    return {NETS_FILE: json.dumps(specs, indent=1), MODELS_FILE: json.dumps(index, indent=1)}
