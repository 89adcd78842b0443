"""Exponential moving average of a network's weights (used for G)."""

from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    """Keeps `shadow`, a copy of `net` whose parameters follow ema = d * ema + (1 - d) * net;
    buffers (e.g. BatchNorm statistics) are copied as they are (the recipe's `refresh_ema`
    re-estimates what depends on the averaged weights before the shadow is used)."""

    def __init__(self, net: nn.Module, decay: float) -> None:
        self.decay = decay
        self.updates = 0
        self.shadow = copy.deepcopy(net).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, net: nn.Module) -> None:
        ema_params = list(self.shadow.parameters())
        params = [p.detach() for p in net.parameters()]
        torch._foreach_lerp_(ema_params, params, 1.0 - self.decay)
        for ema_buf, buf in zip(self.shadow.buffers(), net.buffers(), strict=True):
            ema_buf.copy_(buf)
        self.updates += 1

    def state_dict(self) -> dict:
        return {"updates": self.updates}

    def load_state_dict(self, state: dict) -> None:
        self.updates = int(state.get("updates", 0))

