"""Mode coverage on 2-D Gaussian mixtures, the PacGAN protocol (Lin et al. 2018)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch

from gankit.data.toy import mixture_modes

# E‖x - μ‖² / 2 for a 2-D N(μ, σ²I) truncated to ‖x - μ‖ ≤ 3σ, in units of σ², square-rooted:
# the spread real samples score (0.974), since only high-quality samples are measured
# (up to the mean's estimation error, negligible at ~100 samples per mode)
REAL_SPREAD = math.sqrt((1 - 5.5 * math.exp(-4.5)) / (1 - math.exp(-4.5)))


@dataclass(frozen=True)
class ToyModeReport:
    """Modes captured, share of high-quality samples, reverse KL to uniform mode weights, and
    the within-mode spread: the pooled per-axis std of high-quality samples around their own
    mean in each mode, over the data's std (real samples: REAL_SPREAD = 0.974; far below it, G
    collapses inside modes, which the PacGAN protocol alone would reward)."""

    mixture: str
    samples: int
    modes: int
    total_modes: int
    high_quality: float
    reverse_kl: float
    spread: float = math.nan  # records written before gankit measured it have none

    def as_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        return (f"{self.mixture}: {self.modes}/{self.total_modes} modes, "
                f"{100 * self.high_quality:.1f}% high quality, reverse KL {self.reverse_kl:.4f}, "
                f"within-mode spread {self.spread:.2f} of the data's ({self.samples} samples)")


def toy_mode_report(points: torch.Tensor, mixture: str, std_multiple: float = 3.0) -> ToyModeReport:
    """A sample is high quality when within `std_multiple` std of its nearest mode; a mode is
    captured by at least one high-quality sample; reverse KL is KL(p_gen ‖ uniform) over the
    histogram of high-quality samples across modes (PacGAN, Table 1)."""
    modes, std = mixture_modes(mixture)
    points = torch.as_tensor(points, dtype=torch.float64)
    distances = torch.cdist(points, modes.double())
    nearest, which = distances.min(dim=1)
    hq = nearest <= std_multiple * std
    counts = torch.bincount(which[hq], minlength=len(modes)).double()
    spread = _within_mode_spread(points[hq], which[hq], counts) / std
    captured = int((counts > 0).sum())
    if counts.sum() > 0:
        p = counts / counts.sum()
        nz = p > 0
        reverse_kl = float((p[nz] * (p[nz] * len(modes)).log()).sum())
    else:
        reverse_kl = math.inf
    return ToyModeReport(mixture, len(points), captured, len(modes),
                         float(hq.double().mean()), reverse_kl, spread)


def _within_mode_spread(points: torch.Tensor, which: torch.Tensor, counts: torch.Tensor) -> float:
    """Pooled per-axis std of `points` around the mean of their mode (`which`); nan when no mode
    has two points."""
    sums = torch.zeros(len(counts), 2, dtype=points.dtype).index_add_(0, which, points)
    means = sums / counts.clamp_min(1).unsqueeze(1)
    squares = (points - means[which]).square().sum()
    dof = 2 * float((counts - 1).clamp_min(0).sum())  # one mean per mode and axis
    return math.sqrt(squares / dof) if dof > 0 else math.nan
