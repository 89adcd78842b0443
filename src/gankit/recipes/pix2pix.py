"""pix2pix (Isola et al. 2017): G translates A to B; a conditional D judges (A, B) pairs patch
by patch; G minimises the adversarial loss plus λ·L1 to the true B. As in the reference
implementation, D's loss is halved (it learns more slowly than G), D updates first on the
detached fake, and G then updates through a frozen D."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F

from gankit.data.batch import Batch
from gankit.fields import NonNegativeFloat, opt
from gankit.nets import build_net
from gankit.objectives import adversarial_loss
from gankit.recipes.base import Role
from gankit.recipes.registry import register_recipe
from gankit.recipes.translation import TranslationRecipe


@dataclass
class Pix2PixOptions:
    loss: Literal["nonsaturating", "least_squares", "hinge"] = opt(
        "nonsaturating", "adversarial loss: nonsaturating (the paper's vanilla GAN) | least_squares | hinge")
    l1: NonNegativeFloat = opt(100.0, "weight λ of the L1 distance of G(A) to B")
    conditional: bool = opt(True, "D judges (A, B) together (the paper) or B alone")
    test_mode: Literal["eval", "train"] = opt(
        "eval", "G at test time: eval (deterministic) or train (dropout and batch statistics on, "
        "the paper's noise)")


@register_recipe
class Pix2PixRecipe(TranslationRecipe):
    name = "pix2pix"
    Options = Pix2PixOptions
    roles = {"G": Role("translator", "unet", "B"), "D": Role("discriminator", "patchgan", "B")}
    groups = {"G": ("G",), "D": ("D",)}
    data_kinds = ("paired",)

    def __init__(self, cfg, spec, ctx=None) -> None:
        super().__init__(cfg, spec, ctx)
        self.loss = adversarial_loss(self.opts.loss)

    def build_nets(self) -> dict[str, torch.nn.Module]:
        a, b = self.spec.shapes["A"], self.spec.shapes["B"]
        judged = (a[0] + b[0], *b[1:]) if self.opts.conditional else b
        return {"G": self.make_translator(),
                "D": build_net("discriminator", self.cfg.nets["D"], judged, "nets.D")}

    def judge(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """D's patch logits for B (given A when conditional)."""
        return self.nets["D"](torch.cat([a, b], dim=1) if self.opts.conditional else b)

    def train_step(self, batches: Sequence[Batch]) -> dict[str, torch.Tensor]:
        a, b = batches[0]["A"], batches[0]["B"]
        fake = self.nets["G"](a)
        loss_d = 0.5 * self.loss.discriminator(self.judge(a, b), self.judge(a, fake.detach()))
        self.update("D", loss_d)
        with self.frozen("D"):
            loss_gan = self.loss.generator(self.judge(a, fake))
            loss_l1 = F.l1_loss(fake.float(), b.float())
            loss_g = loss_gan + self.opts.l1 * loss_l1
            self.update("G", loss_g)
        return {"loss_d": loss_d.detach(), "loss_g": loss_g.detach(), "loss_g_gan": loss_gan.detach(),
                "loss_l1": loss_l1.detach()}
