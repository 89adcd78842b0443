"""Notice the first non-finite loss without waiting for the device every step."""

from __future__ import annotations

import math

import torch

from gankit.runtime.distributed import current_world


class FiniteWatch:
    """Records, on the device, the first step whose scalars were NaN/Inf; `first_bad` reads
    it (one host sync, at log or checkpoint steps, and agreed over ranks under torchrun)."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.keys: list[str] | None = None
        self.step = torch.zeros((), dtype=torch.float64, device=device)
        self.bad_step = torch.zeros((), dtype=torch.float64, device=device)
        self.bad_values: torch.Tensor | None = None

    def observe(self, step: int, scalars: dict[str, torch.Tensor]) -> None:
        """Note step `step`'s scalars (no host sync)."""
        if self.keys is None:
            self.keys = list(scalars)
            self.bad_values = torch.zeros(len(self.keys), device=self.device)
            self.step.fill_(step - 1)
        values = torch.stack([scalars[k].float() for k in self.keys])
        self.step += 1
        new = (self.bad_step == 0) & ~torch.isfinite(values).all()
        self.bad_step = torch.where(new, self.step, self.bad_step)
        self.bad_values = torch.where(new, values, self.bad_values)

    def first_bad(self) -> tuple[int, str, float] | None:
        """(step, key, value) of the first non-finite scalar on any rank, else None."""
        if self.keys is None:
            return None
        report = torch.cat([self.bad_step.float().view(1), self.bad_values.float()])
        if current_world().distributed:
            import torch.distributed as dist

            reports = [torch.zeros_like(report) for _ in range(dist.get_world_size())]
            dist.all_gather(reports, report)
            flagged = [r for r in reports if r[0] > 0]
            report = min(flagged, key=lambda r: float(r[0])) if flagged else report
        values = report.tolist()
        if values[0] == 0:
            return None
        index = next(i for i, v in enumerate(values[1:]) if not math.isfinite(v))
        return int(values[0]), self.keys[index], values[1 + index]
