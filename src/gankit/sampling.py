"""Drawing samples from a generator: batches, fixed seeds, latent interpolation."""

from __future__ import annotations

import torch
from torch import nn


def latents(n: int, latent_dim: int, seed: int) -> torch.Tensor:
    """`n` latent codes z ~ N(0, I), reproducible from `seed`, independent of the global RNG."""
    return torch.randn(n, latent_dim, generator=torch.Generator().manual_seed(seed))


def is_conditional(generator: nn.Module) -> bool:
    return bool(getattr(generator, "conditional", False))


def grid_labels(generator: nn.Module, n: int) -> torch.Tensor | None:
    """Labels 0, 1, ..., K-1, 0, 1, ... for a conditional generator (None otherwise)."""
    return torch.arange(n) % generator.num_classes if is_conditional(generator) else None


@torch.no_grad()
def generate(generator: nn.Module, z: torch.Tensor, batch_size: int = 256,
             labels: torch.Tensor | None = None) -> torch.Tensor:
    """G(z) (or G(z, labels) for conditional generators) in batches, in eval mode (training
    mode restored after), returned on the CPU."""
    if is_conditional(generator) and labels is None:
        raise ValueError("a conditional generator needs labels")
    was_training = generator.training
    generator.eval()
    device = next(generator.parameters()).device
    try:
        parts = []
        for i in range(0, len(z), batch_size):
            args = [z[i : i + batch_size].to(device)]
            if labels is not None:
                args.append(labels[i : i + batch_size].to(device))
            parts.append(generator(*args).float().cpu())
    finally:
        generator.train(was_training)
    return torch.cat(parts)


def slerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between rows of z0 and z1 at fractions t (broadcast)."""
    u0, u1 = z0 / z0.norm(dim=-1, keepdim=True), z1 / z1.norm(dim=-1, keepdim=True)
    omega = torch.acos((u0 * u1).sum(-1, keepdim=True).clamp(-1 + 1e-7, 1 - 1e-7))
    so = torch.sin(omega)
    return (torch.sin((1 - t) * omega) / so) * z0 + (torch.sin(t * omega) / so) * z1


def interpolation_latents(latent_dim: int, rows: int, steps: int, seed: int,
                          mode: str = "linear") -> torch.Tensor:
    """(rows * steps, latent_dim) codes walking from one random point to another per row."""
    ends = latents(2 * rows, latent_dim, seed)
    z0, z1 = ends[:rows, None, :], ends[rows:, None, :]
    t = torch.linspace(0, 1, steps).view(1, steps, 1)
    walk = slerp(z0, z1, t) if mode == "slerp" else torch.lerp(z0, z1, t)
    return walk.reshape(rows * steps, latent_dim)


@torch.no_grad()
def recalibrate_batch_norm(generator: nn.Module, batches: int = 8, batch_size: int = 256,
                           seed: int = 20_161_201) -> None:
    """Replace the running statistics of every BatchNorm in `generator` by their average over
    `batches` batches of its own samples (fixed latents, every class equally often for
    conditional generators). Running statistics copied from the raw G belong to other
    weights: with them an EMA generator is measurably worse (class accuracy of ACGAN
    samples 0.827 vs 0.850 after recalibration, measured on acgan-fashion-mnist). No global
    RNG is used."""
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
