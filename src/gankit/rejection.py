"""Discriminator rejection sampling (Azadi et al. 2019): keep a generator's sample x with
probability σ(F(x) − γ), where F(x) = D̃(x) − M − log(1 − exp(D̃(x) − M − ε)), D̃ is D's logit
(for the minimax / non-saturating objectives, log p_data/p_G at the optimum), M its largest
value over a burn-in draw, and γ the chosen quantile of F over that draw."""

from __future__ import annotations

import torch
from torch import nn

from gankit.errors import GankitError
from gankit.sampling import generate, latents

EPS = 1e-6


def shifted_log_ratio(logits: torch.Tensor, max_logit: float) -> torch.Tensor:
    """F(x): D's logit shifted so that σ(F) is the paper's acceptance probability."""
    shifted = (logits - max_logit).clamp(max=0.0)  # later draws may exceed the burn-in max
    return shifted - torch.log1p(-torch.exp(shifted - EPS))


def acceptance(logits: torch.Tensor, max_logit: float, gamma: float) -> torch.Tensor:
    """P(keep x) = σ(F(x) − γ)."""
    return torch.sigmoid(shifted_log_ratio(logits, max_logit) - gamma)


CRITIC_NEEDED = ("rejection sampling needs D's logit to estimate log p_data/p_G: unconditional gan "
                 "runs with the minimax or non-saturating loss and no packing only")


def check_critic(run_dir) -> None:
    """Refuse runs whose D output is not a log density ratio of one sample, in one line."""
    from gankit.inference import ModelFolder

    if "critic" not in ModelFolder.open(run_dir).index.get("models", {}):
        raise GankitError(f"{run_dir}: {CRITIC_NEEDED}")


@torch.no_grad()
def rejection_sample(generator: nn.Module, discriminator: nn.Module, n: int, seed: int,
                     quantile: float = 0.5, burn_in: int = 10_000) -> tuple[torch.Tensor, float]:
    """`n` samples that D's rejection kept, and the fraction kept. Reproducible from `seed`."""
    if not 0.0 <= quantile < 1.0:
        raise GankitError(f"rejection quantile must be in [0, 1), got {quantile}")
    discriminator.eval()
    rng = torch.Generator().manual_seed(seed)
    chunk, kept, drawn = max(burn_in, 2 * n), [], 0
    max_logit = gamma = None
    for draw in range(1000):
        x = generate(generator, latents(chunk, generator.latent_dim, seed * 1000 + draw))
        logits = discriminator(x.to(next(discriminator.parameters()).device)).float().view(-1).cpu()
        if max_logit is None:  # the burn-in draw fixes M and γ
            max_logit = float(logits.max())
            gamma = float(torch.quantile(shifted_log_ratio(logits, max_logit), quantile))
        keep = torch.rand(chunk, generator=rng) < acceptance(logits, max_logit, gamma)
        kept.append(x[keep])
        drawn += chunk
        if sum(len(k) for k in kept) >= n:
            samples = torch.cat(kept)
            return samples[:n], len(samples) / drawn
    raise GankitError(f"rejection sampling kept fewer than {n} samples in {drawn:,} draws")


def rejection_sample_run(run_dir, generator: nn.Module, n: int, seed: int, quantile: float = 0.5,
                         device: str | torch.device = "cpu") -> tuple[torch.Tensor, float]:
    """`rejection_sample` with the run's own D, after checking that its logit allows it."""
    from gankit.runs import load_discriminator

    check_critic(run_dir)
    return rejection_sample(generator, load_discriminator(run_dir, device=device), n, seed, quantile)
