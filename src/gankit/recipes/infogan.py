"""InfoGAN (Chen et al. 2016) with a categorical code: Q, a head on D's features, learns which
of the K codes of `nets.G.latent_prior = "categorical"` made each fake, and G learns to make
its codes recognisable, both minimising λ · cross-entropy (a lower bound of the mutual
information between code and sample, up to the code's entropy). On data of K separate modes
this drives G to give each code a region of its own instead of sharing modes between codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import torch

from gankit.errors import GankitError
from gankit.fields import NonNegativeFloat, OpenFraction, opt
from gankit.nets import build_net
from gankit.nets.code_head import CodeHeadDiscriminator
from gankit.nets.layers import categorical_code
from gankit.objectives.terms import CodeLoss
from gankit.recipes.gan import GANRecipe
from gankit.recipes.gan_options import RegularisedOptions
from gankit.recipes.registry import register_recipe


@dataclass
class InfoGANOptions(RegularisedOptions):
    info_weight: NonNegativeFloat = opt(1.0, "weight λ of the code loss (the paper's 1)")
    info_until: Annotated[float, OpenFraction] = opt(
        1.0, "G and D's shared layers learn the code loss for this fraction of train.steps "
        "(1: all); Q alone goes on learning it")


@register_recipe
class InfoGANRecipe(GANRecipe):
    """The GAN recipe, with D(x) -> (logit, code logits) and the code loss on every fake."""

    name = "infogan"
    Options = InfoGANOptions

    @classmethod
    def check(cls, cfg, spec) -> None:
        super().check(cfg, spec)
        if cfg.nets["G"].latent_prior != "categorical":
            raise GankitError("recipe infogan learns the codes of nets.G.latent_prior = \"categorical\": "
                              "set it and nets.G.latent_components (e.g. 10)")
        if cfg.options.feature_matching:
            raise GankitError("infogan.feature_matching replaces G's adversarial loss, which carries "
                              "the infogan code loss: not with recipe infogan")

    def build_terms(self) -> list:
        k = self.cfg.nets["G"].latent_components
        return [CodeLoss(self.opts.info_weight, lambda z: categorical_code(z, k)), *super().build_terms()]

    def make_discriminator(self) -> torch.nn.Module:
        d, shape = self.cfg.nets["D"], self.spec.sample_shape
        return CodeHeadDiscriminator(build_net("discriminator", d, shape, "nets.D"), shape,
                                     self.cfg.nets["G"].latent_components, spectral_norm=d.spectral_norm)

    def critic(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.nets["D"](x)[0]

    def code_loss_on(self) -> bool:
        """Whether G and D's shared layers learn from the code loss at the current step
        (the first infogan.info_until of the run)."""
        return self.step < self.opts.info_until * self.cfg.train.steps

    def critic_fake(self, x: torch.Tensor, labels: torch.Tensor | None = None
                    ) -> tuple[torch.Tensor, torch.Tensor]:
        # after info_until the code head reads detached features: the loss trains Q alone (so
        # code_acc stays a measurement, and DDP sees a gradient for every parameter) and is a
        # constant in G's step
        return self.nets["D"](x, codes_train_features=self.code_loss_on())

    def models(self) -> dict:
        return {"sampler": super().models()["sampler"]}  # D's output is not one logit
