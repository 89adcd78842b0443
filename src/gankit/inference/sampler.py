"""A trained sampler: its generator and what drawing from it needs (latent size, classes)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from gankit.errors import GankitError
from gankit.sampling import generate, interpolation_latents, latents


@dataclass
class Sampler:
    """G: z ~ N(0, I) (and a class, for conditional samplers) -> an image (C, H, W in [-1, 1])
    or a 2-D point. Every draw is reproducible from its seed."""

    generator: nn.Module
    latent_dim: int
    num_classes: int | None
    output_shape: tuple[int, ...]
    dataset: str = ""  # what it was trained on (for 2-D toys: the mixture drawn beneath samples)

    @property
    def conditional(self) -> bool:
        return self.num_classes is not None

    @property
    def points(self) -> bool:
        return len(self.output_shape) == 1

    def to(self, device: str | torch.device) -> Sampler:
        self.generator.to(device)
        return self

    def labels(self, n: int, class_index: int | None = None) -> torch.Tensor | None:
        """Labels for `n` samples: all `class_index`, or every class equally often in
        class-major order (None for unconditional samplers)."""
        if not self.conditional:
            if class_index is not None:
                raise GankitError("--class: this model is not conditional")
            return None
        if class_index is not None:
            if not 0 <= class_index < self.num_classes:
                raise GankitError(f"--class {class_index} is out of range: classes 0-{self.num_classes - 1}")
            return torch.full((n,), class_index)
        return torch.arange(n) * self.num_classes // n

    def sample(self, n: int, seed: int = 0, labels: torch.Tensor | None = None,
               batch_size: int = 256) -> torch.Tensor:
        """`n` samples from latents of `seed` (conditional: of `labels`, default every class
        equally often), on the CPU."""
        if n <= 0:
            raise GankitError(f"the number of samples must be positive, got {n}")
        if self.conditional and labels is None:
            labels = self.labels(n)
        return finite(generate(self.generator, latents(n, self.latent_dim, seed), batch_size, labels))

    def interpolate(self, rows: int = 8, steps: int = 10, seed: int = 0,
                    mode: str = "linear") -> torch.Tensor:
        """`rows` latent walks of `steps` images each, row-major (conditional: walk r keeps
        class r mod K)."""
        if self.points:
            raise GankitError("this model generates 2-D points; interpolate draws images")
        if rows <= 0 or steps < 2:
            raise GankitError("--rows must be positive and --steps at least 2")
        z = interpolation_latents(self.latent_dim, rows, steps, seed, mode)
        labels = None
        if self.conditional:
            labels = (torch.arange(rows) % self.num_classes).repeat_interleave(steps)
        return finite(generate(self.generator, z, labels=labels))


def finite(samples: torch.Tensor) -> torch.Tensor:
    """`samples`, or one line when the model made NaN or inf (its weights are broken)."""
    if not torch.isfinite(samples).all():
        bad = int((~torch.isfinite(samples)).flatten(1).any(1).sum())
        raise GankitError(f"the model made NaN or inf in {bad} of {len(samples)} outputs: its weights "
                          "are broken (a run that diverged?); use an earlier checkpoint")
    return samples
