"""Conditional GAN: G(z, y) and D(x, y), trained with the standard GAN update of `gan.py`.

`cgan.conditioning` picks the parts: `concat` joins a one-hot label to z and to D's input
(Mirza & Osindero 2014; MLP or DCGAN nets); `concat_all` (DCGAN nets) joins it to the input
of every layer of G and D; `projection` uses conditional batch norm in G and the projection
discriminator (Miyato & Koyama 2018)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from gankit.errors import GankitError
from gankit.fields import opt
from gankit.nets import build_net
from gankit.nets.conditional import (
    CBNGenerator,
    EveryLayerConcatDiscriminator,
    EveryLayerConcatGenerator,
    LabelConcatDiscriminator,
    LabelConcatGenerator,
    ProjectionDiscriminator,
)
from gankit.nets.layers import apply_spectral_norm
from gankit.recipes.gan import GANRecipe
from gankit.recipes.gan_options import RegularisedOptions, check_dcgan_nets, check_normal_latent
from gankit.recipes.registry import register_recipe


@dataclass
class CGANOptions(RegularisedOptions):
    conditioning: Literal["concat", "concat_all", "projection"] = opt(
        "concat", "concat (one-hot beside z and x) | concat_all (... and beside every hidden layer "
        "of G and D) | projection (cBN G, projection D)")
    cbn_label_in_latent: bool = opt(False, "projection: the one-hot label also joins z in the cBN G")


def conditional_generator(g, shape: tuple[int, ...], k: int, conditioning: str = "concat",
                          cbn_label_in_latent: bool = False) -> nn.Module:
    """G(z, y) of `conditioning` from the `[nets.G]` options `g`."""
    if conditioning == "projection":
        return CBNGenerator(g.latent_dim, k, shape, g.width, cbn_label_in_latent)
    if conditioning == "concat_all":
        return EveryLayerConcatGenerator(g.latent_dim, k, shape, g.width, g.norm)
    base = build_net("generator", dataclasses.replace(g, latent_dim=g.latent_dim + k), shape, "nets.G")
    return LabelConcatGenerator(base, g.latent_dim, k)


@register_recipe
class ConditionalGANRecipe(GANRecipe):
    """Every real batch comes with its labels; G draws fakes of the same labels."""

    name = "cgan"
    Options = CGANOptions
    batch_fields = ("image", "label")
    data_kinds = ("images",)
    conditional = True

    @classmethod
    def check(cls, cfg, spec) -> None:
        super().check(cfg, spec)
        o, g = cfg.options, cfg.nets["G"]
        check_normal_latent(cfg)
        if o.conditioning in ("projection", "concat_all"):
            check_dcgan_nets(cfg, f"cgan.conditioning = \"{o.conditioning}\"")
        if o.cbn_label_in_latent and o.conditioning != "projection":
            raise GankitError("cgan.cbn_label_in_latent is for the conditional batch-norm G of "
                              "cgan.conditioning = \"projection\"")
        if o.conditioning == "concat_all" and (g.norm == "virtual_batch" or cfg.nets["D"].minibatch_kernels):
            raise GankitError("cgan.conditioning = \"concat_all\" works with nets.G.norm batch|none and "
                              "without minibatch discrimination")

    def make_generator(self) -> nn.Module:
        o = self.opts
        return conditional_generator(self.cfg.nets["G"], self.spec.sample_shape, self.num_classes,
                                     o.conditioning, o.cbn_label_in_latent)

    def make_discriminator(self) -> nn.Module:
        d, shape, k = self.cfg.nets["D"], self.spec.sample_shape, self.num_classes
        if self.opts.conditioning == "projection":
            net = ProjectionDiscriminator(shape, k, d.width, d.norm)
            return apply_spectral_norm(net) if d.spectral_norm else net
        if self.opts.conditioning == "concat_all":
            net = EveryLayerConcatDiscriminator(shape, k, d.width, d.norm)
            return apply_spectral_norm(net) if d.spectral_norm else net
        image = len(shape) == 3
        joined = (shape[0] + k, *shape[1:]) if image else (int(torch.Size(shape).numel()) + k,)
        return LabelConcatDiscriminator(build_net("discriminator", d, joined, "nets.D"), k, image)

    def critic(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.nets["D"](x, labels)

    def disc_features(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.nets["D"].features(x, labels)

    def models(self) -> dict:
        return {"sampler": super().models()["sampler"]}  # D also needs the label
