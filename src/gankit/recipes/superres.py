"""Super-resolution (Ledig et al. 2017): SRResNet, a translator LR -> HR trained for pixel
fidelity (MSE), whose progress strip shows LR | bicubic | output | HR and whose export
upscales images of any size. SRGAN (recipes/srgan.py) builds on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F

from gankit.data.batch import Batch
from gankit.errors import GankitError
from gankit.fields import opt
from gankit.recipes.base import Role, Visuals
from gankit.recipes.registry import register_recipe
from gankit.recipes.translation import TranslationRecipe, translate, translator_model


def bicubic_up(lr: torch.Tensor, scale: int) -> torch.Tensor:
    """The bicubic baseline: LR upscaled by `scale`, clamped to [-1, 1]."""
    return F.interpolate(lr.float(), scale_factor=scale, mode="bicubic", align_corners=False).clamp(-1, 1)


class SuperResRecipe(TranslationRecipe):
    """What SRResNet and SRGAN share: the scale check, the strip and the export."""

    data_kinds = ("paired",)

    @classmethod
    def check(cls, cfg, spec) -> None:
        super().check(cfg, spec)
        a, b = spec.shapes["A"], spec.shapes["B"]
        scale = cfg.nets["G"].scale
        if b[-1] != a[-1] * scale or b[-2] != a[-2] * scale:
            raise GankitError(f"nets.G.scale = {scale}, but the data's HR images ({b[-1]} px) are "
                              f"{b[-1] / a[-1]:g} x its LR ones ({a[-1]} px): set them alike")

    @property
    def scale(self) -> int:
        return self.cfg.nets["G"].scale

    def visuals(self, fixed: Batch, nets: dict[str, torch.nn.Module]) -> Visuals:
        lr, hr = fixed["A"][:4], fixed["B"][:4]
        output = translate(nets["G"], lr, self.test_mode).clamp(-1, 1)
        nearest = F.interpolate(lr.float(), scale_factor=self.scale, mode="nearest")
        return Visuals({"LR": nearest, "bicubic": bicubic_up(lr, self.scale), "output": output, "HR": hr},
                       nrow=4)

    def models(self) -> dict[str, dict[str, Any]]:
        return {"translator": translator_model("G", self.spec.shapes["A"], self.spec.shapes["B"],
                                               self.test_mode, scale=self.scale, any_size=True,
                                               **self.model_notes())}

    def model_notes(self) -> dict[str, Any]:
        return {}


@dataclass
class SRResNetOptions:
    loss: Literal["mse", "l1"] = opt("mse", "pixel loss: mse (the paper's SRResNet) or l1")
    test_mode: Literal["eval", "train"] = opt("eval", "G at test time: eval (batch-norm running "
                                              "statistics) or train")


@register_recipe
class SRResNetRecipe(SuperResRecipe):
    """min_G E‖G(LR) − HR‖² over random crops."""

    name = "srresnet"
    Options = SRResNetOptions
    roles = {"G": Role("translator", "srresnet", "B")}
    groups = {"G": ("G",)}

    def build_nets(self) -> dict[str, torch.nn.Module]:
        return {"G": self.make_translator()}

    def train_step(self, batches: Sequence[Batch]) -> dict[str, torch.Tensor]:
        lr, hr = batches[0]["A"], batches[0]["B"]
        pixel = F.mse_loss if self.opts.loss == "mse" else F.l1_loss
        loss = pixel(self.nets["G"](lr).float(), hr.float())
        self.update("G", loss)
        return {f"loss_{self.opts.loss}": loss.detach()}
