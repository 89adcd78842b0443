"""Exponential moving average of a network's weights (used for G)."""

from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    """Keeps `shadow`, a copy of `net` whose parameters follow ema = d * ema + (1 - d) * net;
    buffers (e.g. BatchNorm statistics) are copied as they are, and `calibrate` re-estimates
    the shadow's batch-norm statistics for its own weights before it is used."""

    def __init__(self, net: nn.Module, decay: float) -> None:
        self.decay = decay
        self.shadow = copy.deepcopy(net).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, net: nn.Module) -> None:
        ema_params = list(self.shadow.parameters())
        params = [p.detach() for p in net.parameters()]
        torch._foreach_lerp_(ema_params, params, 1.0 - self.decay)
        for ema_buf, buf in zip(self.shadow.buffers(), net.buffers(), strict=True):
            ema_buf.copy_(buf)

    def calibrate(self, batches: int = 8, batch_size: int = 256) -> nn.Module:
        """The shadow with batch-norm statistics recomputed for the averaged weights."""
        recalibrate_batch_norm(self.shadow, batches, batch_size)
        return self.shadow


@torch.no_grad()
def recalibrate_batch_norm(generator: nn.Module, batches: int = 8, batch_size: int = 256,
                           seed: int = 20_161_201) -> None:
    """Replace the running statistics of every BatchNorm in `generator` by their average over
    `batches` batches of its own samples (fixed latents, every class equally often for
    conditional generators). Running statistics copied from the raw G belong to other
    weights: with them an EMA generator is measurably worse (class accuracy of ACGAN
    samples 0.827 vs 0.850 after recalibration, README). No global RNG is used."""
    from gankit.sampling import grid_labels

    norms = [m for m in generator.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    momenta = [m.momentum for m in norms]
    was_training = generator.training
    device = next(generator.parameters()).device
    rng = torch.Generator().manual_seed(seed)
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average over the batches below
    generator.train()
    try:
        for _ in range(batches):
            z = torch.randn(batch_size, generator.latent_dim, generator=rng).to(device)
            labels = grid_labels(generator, batch_size)
            generator(z) if labels is None else generator(z, labels.to(device))
    finally:
        for m, momentum in zip(norms, momenta, strict=True):
            m.momentum = momentum
        generator.train(was_training)
