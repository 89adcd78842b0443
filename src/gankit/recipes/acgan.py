"""ACGAN (Odena et al. 2017): D also classifies; both nets are trained to make the class of
real and generated images recognisable. Class losses are cross-entropies of raw logits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from gankit.data.batch import Batch
from gankit.fields import NonNegativeFloat, opt
from gankit.nets.conditional import AuxClassifierDiscriminator
from gankit.nets.layers import apply_spectral_norm
from gankit.objectives import adversarial_loss
from gankit.recipes.base import Role
from gankit.recipes.cgan import conditional_generator
from gankit.recipes.gan_options import (
    AdversarialOptions,
    check_adversarial,
    check_dcgan_nets,
    check_normal_latent,
)
from gankit.recipes.registry import register_recipe
from gankit.recipes.sampler_base import SamplerRecipe


@dataclass
class ACGANOptions(AdversarialOptions):
    aux_class_weight: NonNegativeFloat = opt(1.0, "weight of the auxiliary classification loss")


def class_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of class logits (log-softmax applied once, inside)."""
    return F.cross_entropy(logits, labels)


@register_recipe
class ACGANRecipe(SamplerRecipe):
    """G(z, y) with label concatenation; D(x) → (real/fake logit, class logits)."""

    name = "acgan"
    Options = ACGANOptions
    roles = {"G": Role("generator", "dcgan"), "D": Role("discriminator", "dcgan")}
    groups = {"G": ("G",), "D": ("D",)}
    batch_fields = ("image", "label")
    conditional = True

    @classmethod
    def check(cls, cfg, spec) -> None:
        super().check(cfg, spec)
        check_adversarial(cfg)
        check_normal_latent(cfg)
        check_dcgan_nets(cfg, "recipe acgan")

    def __init__(self, cfg, spec, ctx=None) -> None:
        super().__init__(cfg, spec, ctx)
        self.loss = adversarial_loss(self.opts.loss, 1.0 - self.opts.label_smoothing)
        self.batches_per_step = self.opts.n_critic

    def build_nets(self) -> dict[str, nn.Module]:
        g = conditional_generator(self.cfg.nets["G"], self.spec.sample_shape, self.num_classes)
        d = self.cfg.nets["D"]
        net = AuxClassifierDiscriminator(self.spec.sample_shape, self.num_classes, d.width, d.norm)
        return {"G": g, "D": apply_spectral_norm(net) if d.spectral_norm else net}

    def train_step(self, batches: Sequence[Batch]) -> dict[str, torch.Tensor]:
        disc, weight, k = self.nets["D"], self.opts.aux_class_weight, self.num_classes
        for batch in batches:
            real, labels = batch["image"], batch["label"]
            fake_labels = torch.randint(k, (real.shape[0],), device=real.device)
            fake = self.generate(self.sample_latent(real.shape[0]), fake_labels)
            adv_real, cls_real = disc(real)
            adv_fake, cls_fake = disc(fake.detach())
            loss_cls = class_loss(cls_real, labels) + class_loss(cls_fake, fake_labels)
            loss_d = self.loss.discriminator(adv_real, adv_fake) + weight * loss_cls
            self.update("D", loss_d)
        with self.frozen("D"):
            adv_g, cls_g = disc(fake)
            loss_g = self.loss.generator(adv_g) + weight * class_loss(cls_g, fake_labels)
            self.update("G", loss_g)
        accuracy = (cls_real.argmax(1) == labels).float().mean()
        return {k: v.detach() for k, v in dict(
            loss_d=loss_d, loss_g=loss_g, loss_class=loss_cls, d_real=adv_real.mean(),
            d_fake=adv_fake.mean(), acc_real=accuracy).items()}
