"""2-D toy runs: mode coverage of the PacGAN protocol, from G's samples or from those D's
rejection sampling keeps."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from gankit.metrics import ToyModeReport, toy_mode_report
from gankit.sampling import generate, latents

TOY_EVAL_SAMPLES = 2500  # the PacGAN protocol


def evaluate_toy(generator: nn.Module, mixture: str, n: int = TOY_EVAL_SAMPLES,
                 seed: int = 0) -> tuple[ToyModeReport, torch.Tensor]:
    """Mode-coverage report of `n` samples (seeded) and the samples themselves."""
    points = generate(generator, latents(n, generator.latent_dim, seed))
    return toy_mode_report(points, mixture), points



def evaluate_toy_with_rejection(run_dir: str | Path, generator: nn.Module, mixture: str,
                                n: int = TOY_EVAL_SAMPLES, seed: int = 0, quantile: float = 0.5
                                ) -> tuple[ToyModeReport, torch.Tensor, float]:
    """Mode coverage of the samples the run's D keeps under rejection sampling: the report,
    the points and the fraction of G's samples kept."""
    from gankit.rejection import rejection_sample_run

    points, kept = rejection_sample_run(run_dir, generator, n, seed, quantile)
    return toy_mode_report(points, mixture), points, kept


