"""Starting a run's net from a trained model (`init_from` options: SRGAN from SRResNet, a
zi2zi font fine-tuned from a trained zi2zi)."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from gankit.errors import GankitError


def trained_net(path: str | Path) -> nn.Module:
    """The main net of a run or export (its EMA weights when it has them)."""
    from gankit.inference.folder import ModelFolder

    folder = ModelFolder.open(path)
    _, entry = folder.model(None)
    return folder.load_net(entry["net"])


def load_weights(net: nn.Module, state: dict[str, torch.Tensor], option: str, path: str | Path) -> None:
    """net.load_state_dict(state), or one line naming the option when the shapes differ."""
    try:
        net.load_state_dict(state)
    except RuntimeError:
        raise GankitError(f"{option}: {path}'s G does not fit this one (another width, block count, size "
                          "or scale?)") from None
