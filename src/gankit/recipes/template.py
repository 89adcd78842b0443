"""The template: the smallest complete recipe, a translator G: A -> B trained by pixel loss
alone. It is also the L1-only baseline that pix2pix is measured against (what the
adversarial term adds). docs/guide/adding-a-model.md walks through it.

A recipe declares what the Trainer needs and implements one training step:
- `name` and `Options`: the recipe's config section `[l1]` and its typed keys;
- `roles`: the nets built from `[nets.<role>]` (here one translator, default a U-Net);
- `groups`: optimizer groups (a group may hold several nets; `update` steps it);
- `build_nets` and `train_step`; the translation base supplies the progress strip
  (input | output | target of fixed held-out pairs), the export (a translator) and the
  data it takes (paired batches with fields A and B).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F

from gankit.data.batch import Batch
from gankit.fields import opt
from gankit.recipes.base import Role
from gankit.recipes.registry import register_recipe
from gankit.recipes.translation import TranslationRecipe


@dataclass
class L1Options:
    loss: Literal["l1", "l2"] = opt("l1", "the pixel loss: l1 (mean absolute) or l2 (mean squared)")
    test_mode: Literal["eval", "train"] = opt(
        "eval", "G at test time: eval (deterministic) or train (dropout and batch statistics on)")


@register_recipe
class L1TranslatorRecipe(TranslationRecipe):
    """min_G E|G(a) - b| over paired (a, b)."""

    name = "l1"
    Options = L1Options
    roles = {"G": Role("translator", "unet", field="B")}
    groups = {"G": ("G",)}

    def build_nets(self) -> dict[str, torch.nn.Module]:
        return {"G": self.make_translator()}

    def train_step(self, batches: Sequence[Batch]) -> dict[str, torch.Tensor]:
        a, b = batches[0]["A"], batches[0]["B"]
        pixel = F.l1_loss if self.opts.loss == "l1" else F.mse_loss
        loss = pixel(self.nets["G"](a).float(), b.float())
        self.update("G", loss)
        return {f"loss_{self.opts.loss}": loss.detach()}
