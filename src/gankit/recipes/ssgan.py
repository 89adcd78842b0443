"""Semi-supervised GAN (Salimans et al. 2016): D is a K-class classifier whose fake class is
implicit (D(x) = Z / (Z + 1), Z = Σ exp(logits)); it learns from a few labelled images and
from every unlabelled one, and G is trained with feature matching. The same run trains a
supervised-only classifier of the same architecture on the same labels, as the baseline."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from gankit.nets.conditional import ClassifierDiscriminator
from gankit.objectives import feature_matching_loss
from gankit.recipes.base import make_optimizer
from gankit.recipes.gan import GANRecipe


def unsupervised_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """−E log D(x) − E log(1 − D(G(z))) with D = Z/(Z+1), from logsumexp of the K logits."""
    lse_real, lse_fake = real_logits.logsumexp(1), fake_logits.logsumexp(1)
    return (F.softplus(lse_real) - lse_real).mean() + F.softplus(lse_fake).mean()


class SemiSupervisedGANRecipe(GANRecipe):
    """Unlabelled batches from the whole training split beside labelled ones from the
    subset (the `labelled_*` fields, drawn by the data layer at the same draw index)."""

    batch_fields = ("image", "labelled_image", "labelled_label")

    def __init__(self, cfg, data_shape) -> None:
        super().__init__(cfg, data_shape)
        self.nets["baseline"] = self.make_classifier()
        self.optimizers["baseline"] = make_optimizer(
            self.nets["baseline"].parameters(), cfg.optim, cfg.optim.lr_d)

    def make_classifier(self) -> ClassifierDiscriminator:
        return ClassifierDiscriminator(self.data_shape, self.cfg.model.num_classes, self.cfg.model.d_width)

    def make_discriminator(self) -> ClassifierDiscriminator:
        return self.make_classifier()

    def train_step(self, batches: list) -> dict[str, torch.Tensor]:
        disc, baseline = self.nets["discriminator"], self.nets["baseline"]
        for batch in batches:
            real, x_lab, y_lab = batch["image"], batch["labelled_image"], batch["labelled_label"]
            fake = self.generator(self.sample_latent(real.shape[0], real.device))
            loss_sup = F.cross_entropy(disc(x_lab), y_lab)
            loss_unsup = unsupervised_loss(disc(real), disc(fake.detach()))
            loss_d = loss_sup + loss_unsup
            self._step("discriminator", loss_d)
            loss_baseline = F.cross_entropy(baseline(x_lab), y_lab)
            self._step("baseline", loss_baseline)
        with self.frozen("discriminator"):
            loss_g = feature_matching_loss(disc.features(real), disc.features(fake))
            self._step("generator", loss_g)
        return {k: v.detach() for k, v in dict(
            loss_d=loss_d, loss_sup=loss_sup, loss_unsup=loss_unsup, loss_g=loss_g,
            loss_baseline=loss_baseline).items()}
