"""Semi-supervised GAN (Salimans et al. 2016): D is a K-class classifier whose fake class is
implicit (D(x) = Z / (Z + 1), Z = Σ exp(logits)); it learns from a few labelled images and
from every unlabelled one, and G is trained with feature matching. The same run trains a
supervised-only classifier of the same architecture on the same labels, as the baseline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from gankit.data.batch import Batch
from gankit.errors import GankitError
from gankit.fields import PositiveInt, opt
from gankit.nets.conditional import ClassifierDiscriminator
from gankit.objectives import feature_matching_loss
from gankit.recipes.base import Role
from gankit.recipes.gan_options import check_dcgan_nets, check_normal_latent
from gankit.recipes.registry import register_recipe
from gankit.recipes.sampler_base import SamplerRecipe


@dataclass
class SSGANOptions:
    n_critic: PositiveInt = opt(1, "D (and baseline) updates per G update")


def unsupervised_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """−E log D(x) − E log(1 − D(G(z))) with D = Z/(Z+1), from logsumexp of the K logits."""
    lse_real, lse_fake = real_logits.logsumexp(1), fake_logits.logsumexp(1)
    return (F.softplus(lse_real) - lse_real).mean() + F.softplus(lse_fake).mean()


@register_recipe
class SemiSupervisedGANRecipe(SamplerRecipe):
    """Unlabelled batches from the whole training split beside labelled ones from the
    subset (the `labelled_*` fields, drawn by the data layer at the same draw index)."""

    name = "ssgan"
    Options = SSGANOptions
    roles = {"G": Role("generator", "dcgan"), "D": Role("discriminator", "dcgan")}
    groups = {"G": ("G",), "D": ("D",), "baseline": ("baseline",)}
    batch_fields = ("image", "labelled_image", "labelled_label")

    @classmethod
    def check(cls, cfg, spec) -> None:
        super().check(cfg, spec)
        check_normal_latent(cfg)
        check_dcgan_nets(cfg, "recipe ssgan")
        if cfg.data.labels_per_class < 1:
            raise GankitError("data.labels_per_class: the semi-supervised recipe needs labelled "
                              "images, e.g. --set data.labels_per_class=100")

    def __init__(self, cfg, spec, ctx=None) -> None:
        super().__init__(cfg, spec, ctx)
        self.batches_per_step = self.opts.n_critic

    def make_classifier(self) -> ClassifierDiscriminator:
        return ClassifierDiscriminator(self.spec.sample_shape, self.spec.num_classes,
                                       self.cfg.nets["D"].width)

    def build_nets(self) -> dict[str, nn.Module]:
        return {"G": self.make_generator(), "D": self.make_classifier(),
                "baseline": self.make_classifier()}

    def train_step(self, batches: Sequence[Batch]) -> dict[str, torch.Tensor]:
        disc, baseline = self.nets["D"], self.nets["baseline"]
        for batch in batches:
            real, x_lab, y_lab = batch["image"], batch["labelled_image"], batch["labelled_label"]
            fake = self.generate(self.sample_latent(real.shape[0]))
            loss_sup = F.cross_entropy(disc(x_lab), y_lab)
            loss_unsup = unsupervised_loss(disc(real), disc(fake.detach()))
            loss_d = loss_sup + loss_unsup
            self.update("D", loss_d)
            loss_baseline = F.cross_entropy(baseline(x_lab), y_lab)
            self.update("baseline", loss_baseline)
        with self.frozen("D"):
            loss_g = feature_matching_loss(disc.features(real), disc.features(fake))
            self.update("G", loss_g)
        return {k: v.detach() for k, v in dict(
            loss_d=loss_d, loss_sup=loss_sup, loss_unsup=loss_unsup, loss_g=loss_g,
            loss_baseline=loss_baseline).items()}

    def models(self) -> dict:
        k = self.spec.num_classes
        return {**super().models(),
                "classifier": {"kind": "classifier", "net": "D", "num_classes": k},
                "baseline": {"kind": "classifier", "net": "baseline", "num_classes": k}}
