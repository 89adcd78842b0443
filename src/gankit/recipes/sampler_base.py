"""What every noise -> sample recipe shares: G built from `[nets.G]`, training latents drawn
for the whole batch of every rank, fixed latents for the progress pictures, the sampler it
exports, and batch-norm recalibration of G's EMA copy."""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from gankit.data.batch import Batch
from gankit.data.source import Source
from gankit.nets import build_net
from gankit.recipes.base import Recipe, Visuals
from gankit.runtime.noise import LatentStream
from gankit.sampling import generate, latents

SCATTER_REFERENCE = 2000  # data points drawn beneath the samples of a 2-D toy


class SamplerRecipe(Recipe):
    """A recipe whose G maps z ~ N(0, I) (and a class label, for conditional recipes) to a
    sample; subclasses add the nets that train it."""

    ema = ("G",)
    conditional: ClassVar[bool] = False

    def __init__(self, cfg, spec, ctx=None) -> None:
        super().__init__(cfg, spec, ctx)
        self.noise = LatentStream(self.ctx.seed, self.latent_dim, self.ctx.world, self.ctx.device)

    @property
    def latent_dim(self) -> int:
        return self.cfg.nets["G"].latent_dim

    @property
    def num_classes(self) -> int | None:
        return self.spec.num_classes if self.conditional else None

    def make_generator(self) -> nn.Module:
        return build_net("generator", self.cfg.nets["G"], self.spec.sample_shape, "nets.G")

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """G's samples of latents `z` (of `labels`, for conditional recipes)."""
        g = self.nets["G"]
        return g(z, labels) if self.conditional else g(z)

    def sample_latent(self, n: int) -> torch.Tensor:
        """This rank's `n` training latents of the current draw."""
        return self.noise.draw(n)

    def fixed_inputs(self, n: int, seed: int, data: Source) -> Batch:
        fixed = {"z": latents(n, self.latent_dim, seed)}
        if self.conditional:  # labels 0, 1, ..., K-1, 0, ...: a column per class
            fixed["label"] = torch.arange(n) % self.num_classes
        if self.spec.kind == "points":
            fixed["data"] = data.first(SCATTER_REFERENCE)["image"].cpu()
        return fixed

    def visuals(self, fixed: Batch, nets: dict[str, nn.Module]) -> Visuals:
        out = generate(nets["G"], fixed["z"], labels=fixed.get("label"))
        if self.spec.kind == "points":
            return Visuals({"data": fixed["data"], "samples": out})
        return Visuals({"samples": out}, nrow=self.num_classes)

    def models(self) -> dict[str, dict[str, Any]]:
        return {"sampler": {"kind": "sampler", "net": "G", "latent_dim": self.latent_dim,
                            "num_classes": self.num_classes,
                            "output_shape": list(self.spec.sample_shape), "data": self.spec.kind,
                            "dataset": self.cfg.data.dataset}}

    def refresh_ema(self, name: str, net: nn.Module) -> None:
        if name == "G":
            from gankit.sampling import recalibrate_batch_norm

            recalibrate_batch_norm(net)

    def state_dict(self) -> dict[str, Any]:
        return {"latents": self.noise.state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.noise.load_state(state["latents"])
