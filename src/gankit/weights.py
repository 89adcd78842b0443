"""Reading safetensors weights into a net, with one readable line when they do not fit."""

from __future__ import annotations

from pathlib import Path

from safetensors import SafetensorError
from safetensors.torch import load_file
from torch import nn

from gankit.errors import GankitError


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
                  f"the net has {tuple(own[wrong[0]].shape)}")
        raise GankitError(f"{path}: weights do not match the network ({detail})")
    net.load_state_dict(tensors)
