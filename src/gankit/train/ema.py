"""Exponential moving average of a network's weights (used for G)."""

from __future__ import annotations

import copy

import torch
from torch import nn


def ramped_decay(decay: float, updates: int) -> float:
    """The decay of update number `updates` (from 0): min(d, (1 + t) / (10 + t)), as in
    TensorFlow's ExponentialMovingAverage with num_updates. The average then spans about
    the last tenth of the steps taken until that reaches 1 / (1 - d) steps, so a short run's
    average is of its recent weights, not of its initial ones."""
    return min(decay, (1.0 + updates) / (10.0 + updates))


class EMA:
    """Keeps `shadow`, a copy of `net` whose parameters follow ema = d_t * ema + (1 - d_t) * net
    with the warm-up of `ramped_decay`; buffers (e.g. BatchNorm statistics) are copied as they
    are (the recipe's `refresh_ema` re-estimates what depends on the averaged weights)."""

    def __init__(self, net: nn.Module, decay: float) -> None:
        self.decay = decay
        self.updates = 0
        self.shadow = copy.deepcopy(net).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, net: nn.Module) -> None:
        ema_params = list(self.shadow.parameters())
        params = [p.detach() for p in net.parameters()]
        torch._foreach_lerp_(ema_params, params, 1.0 - ramped_decay(self.decay, self.updates))
        for ema_buf, buf in zip(self.shadow.buffers(), net.buffers(), strict=True):
            ema_buf.copy_(buf)
        self.updates += 1

    def state_dict(self) -> dict:
        return {"updates": self.updates}

    def load_state_dict(self, state: dict) -> None:
        self.updates = int(state.get("updates", 0))

