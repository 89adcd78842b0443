"""Differentiable Augmentation (Zhao et al. 2020): the same kind of random transform applied
to every image D sees, real and fake, in D's and G's steps, written with differentiable
tensor operations so that G's gradient flows through it. Images are NCHW in [-1, 1], each
transformed with its own random draw from the global RNG (seeded, and checkpointed with
the run's RNG state, so resume is exact).

- color: brightness + U(-0.5, 0.5); saturation × U(0, 2) about the pixel's channel mean;
  contrast × U(0.5, 1.5) about the image mean.
- translation: a shift of up to 1/8 of the size in each direction, zero padding.
- cutout: a square of half the size set to zero at a random place (it may overhang the edge).

`AdaptiveDiffAugment` applies each transform to each image with a probability p that
StyleGAN2-ADA's overfitting heuristic steers (Karras et al. 2020), so short runs that do not
overfit are left unaugmented.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from gankit.errors import GankitError
from gankit.objectives.terms import Term

TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5


def _uniform(x: torch.Tensor, low: float, high: float) -> torch.Tensor:
    return low + (high - low) * torch.rand(x.shape[0], 1, 1, 1, device=x.device, dtype=x.dtype)


def color(x: torch.Tensor) -> torch.Tensor:
    x = x + _uniform(x, -0.5, 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * _uniform(x, 0.0, 2.0) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * _uniform(x, 0.5, 1.5) + mean


def translation(x: torch.Tensor, ratio: float = TRANSLATION_RATIO) -> torch.Tensor:
    n, _, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = torch.randint(-sh, sh + 1, (n, 1, 1), device=x.device)
    dx = torch.randint(-sw, sw + 1, (n, 1, 1), device=x.device)
    rows = torch.arange(h, device=x.device).view(1, h, 1) + dy + 1  # +1: the padded border
    cols = torch.arange(w, device=x.device).view(1, 1, w) + dx + 1
    rows, cols = rows.clamp(0, h + 1).expand(n, h, w), cols.clamp(0, w + 1).expand(n, h, w)
    padded = torch.nn.functional.pad(x, (1, 1, 1, 1))  # zeros
    index = torch.arange(n, device=x.device).view(n, 1, 1)
    return padded.permute(0, 2, 3, 1)[index, rows, cols].permute(0, 3, 1, 2).contiguous()


def cutout(x: torch.Tensor, ratio: float = CUTOUT_RATIO) -> torch.Tensor:
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    top = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), device=x.device) - ch // 2
    left = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), device=x.device) - cw // 2
    rows = torch.arange(h, device=x.device).view(1, h, 1)
    cols = torch.arange(w, device=x.device).view(1, 1, w)
    inside = (rows >= top) & (rows < top + ch) & (cols >= left) & (cols < left + cw)
    return x * (~inside).unsqueeze(1).to(x.dtype)


OPS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "color": color, "translation": translation, "cutout": cutout}


def parse_policy(policy: str) -> list[str]:
    """'color,translation,cutout' -> the op names, checked ('' -> none)."""
    names = [p.strip() for p in policy.split(",") if p.strip()]
    unknown = [n for n in names if n not in OPS]
    if unknown:
        raise GankitError(f"diffaugment: unknown transform '{unknown[0]}'; choose from {', '.join(OPS)}")
    return names


def diff_augment(x: torch.Tensor, policy: str | list[str]) -> torch.Tensor:
    names = parse_policy(policy) if isinstance(policy, str) else policy
    if x.ndim != 4:
        return x  # 2-D points: nothing to augment
    for name in names:
        x = OPS[name](x)
    return x


class DiffAugment(Term):
    """The augmentation as a term: every input D sees goes through `policy`."""

    name = "diffaugment"

    def __init__(self, policy: str) -> None:
        super().__init__()
        self.policy = parse_policy(policy)

    def perturb(self, x: torch.Tensor, step: int) -> torch.Tensor:
        return diff_augment(x, self.policy)


class AdaptiveDiffAugment(DiffAugment):
    """DiffAugment with each transform applied to each image with probability p, p steered by
    StyleGAN2-ADA's heuristic r_t = E[sign D(real)] (how confidently D calls the training
    images real): every `interval` D updates p rises when r_t > `target` and falls when below,
    by the images seen since over `kimg` thousand, so p can cross [0, 1] in `kimg` thousand
    images (the paper: target 0.6, interval 4, 500 kimg). p starts at 0."""

    name = "ada"

    def __init__(self, policy: str, target: float, kimg: float, interval: int = 4) -> None:
        super().__init__(policy)
        self.target, self.kimg, self.interval = target, kimg, interval
        self.p, self.r_t = 0.0, 0.0
        self.signs: torch.Tensor | None = None  # since the last adjustment: sign sum, logits, images
        self.updates = 0

    def perturb(self, x: torch.Tensor, step: int) -> torch.Tensor:
        if x.ndim != 4:
            return x
        for name in self.policy:  # the draw is made at every p, so the RNG stream does not depend on p
            chosen = torch.rand(x.shape[0], 1, 1, 1, device=x.device) < self.p
            x = torch.where(chosen, OPS[name](x), x)
        return x

    def d_loss(self, ctx) -> None:
        logits = getattr(ctx, "real_logits", None)
        if logits is None:
            raise GankitError("adaptive DiffAugment needs D's logits on real images, which this recipe's "
                              "step does not give its terms")
        counted = torch.stack([torch.sign(logits.detach().float()).sum(),
                               torch.tensor(float(logits.numel()), device=logits.device),
                               torch.tensor(float(ctx.real.shape[0]), device=logits.device)])
        self.signs = counted if self.signs is None else self.signs + counted
        self.updates += 1
        if self.updates % self.interval == 0:
            self._adjust()
        self.logged = {"ada_p": torch.tensor(self.p), "ada_rt": torch.tensor(self.r_t)}
        return None

    def _adjust(self) -> None:
        signs = self.signs
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.all_reduce(signs)  # every rank moves p alike
        total, count, images = signs.tolist()
        self.r_t = total / count
        step = (1.0 if self.r_t > self.target else -1.0) * images / (self.kimg * 1000)
        self.p = min(1.0, max(0.0, self.p + step))
        self.signs = None

    def state_dict(self) -> dict:
        return {"p": self.p, "r_t": self.r_t, "updates": self.updates,
                "signs": None if self.signs is None else self.signs.tolist()}

    def load_state_dict(self, state: dict) -> None:
        self.p, self.r_t, self.updates = state["p"], state["r_t"], state["updates"]
        self.signs = None if state["signs"] is None else torch.tensor(state["signs"])
