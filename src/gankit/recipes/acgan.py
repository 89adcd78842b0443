"""ACGAN (Odena et al. 2017): D also classifies; both nets are trained to make the class of
real and generated images recognisable. Class losses are cross-entropies of raw logits."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gankit.nets.conditional import AuxClassifierDiscriminator
from gankit.nets.layers import apply_spectral_norm
from gankit.recipes.cgan import ConditionalGANRecipe


def class_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of class logits (log-softmax applied once, inside)."""
    return F.cross_entropy(logits, labels)


class ACGANRecipe(ConditionalGANRecipe):
    """G(z, y) with label concatenation; D(x) → (real/fake logit, class logits)."""

    def make_discriminator(self) -> nn.Module:
        model = self.cfg.model
        net = AuxClassifierDiscriminator(self.data_shape, model.num_classes, model.d_width, model.d_norm)
        return apply_spectral_norm(net) if model.spectral_norm else net

    def train_step(self, batches: list) -> dict[str, torch.Tensor]:
        disc, weight = self.nets["discriminator"], self.obj.aux_class_weight
        k = self.cfg.model.num_classes
        for batch in batches:
            real, labels = self.split(batch)
            fake_labels = torch.randint(k, (real.shape[0],), device=real.device)
            fake = self.generator(self.sample_latent(real.shape[0], real.device), fake_labels)
            adv_real, cls_real = disc(real)
            adv_fake, cls_fake = disc(fake.detach())
            loss_cls = class_loss(cls_real, labels) + class_loss(cls_fake, fake_labels)
            loss_d = self.loss.discriminator(adv_real, adv_fake) + weight * loss_cls
            self._step("discriminator", loss_d)
        with self.frozen("discriminator"):
            adv_g, cls_g = disc(fake)
            loss_g = self.loss.generator(adv_g) + weight * class_loss(cls_g, fake_labels)
            self._step("generator", loss_g)
        accuracy = (cls_real.argmax(1) == labels).float().mean()
        return {k: v.detach() for k, v in dict(
            loss_d=loss_d, loss_g=loss_g, loss_class=loss_cls, d_real=adv_real.mean(),
            d_fake=adv_fake.mean(), acc_real=accuracy).items()}
