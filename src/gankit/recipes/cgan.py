"""Conditional GAN: G(z, y) and D(x, y), trained with the standard GAN update of `gan.py`.

`model.conditioning` picks the parts: `concat` joins a one-hot label to z and to D's input
(Mirza & Osindero 2014; MLP or DCGAN nets); `concat_all` (DCGAN nets) joins it to the input
of every layer of G and D; `projection` uses conditional batch norm in G
and the projection discriminator (Miyato & Koyama 2018)."""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from gankit.config import ModelConfig
from gankit.nets import build_discriminator, build_generator
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


class ConditionalGANRecipe(GANRecipe):
    """Every real batch comes with its labels; G draws fakes of the same labels."""

    batch_fields = ("image", "label")

    @staticmethod
    def make_generator(model: ModelConfig, data_shape: tuple[int, ...]) -> nn.Module:
        k = model.num_classes
        if model.conditioning == "projection":
            return CBNGenerator(model.latent_dim, k, data_shape, model.g_width, model.cbn_label_in_latent)
        if model.conditioning == "concat_all":
            return EveryLayerConcatGenerator(model.latent_dim, k, data_shape, model.g_width, model.g_norm)
        base = build_generator(dataclasses.replace(model, latent_dim=model.latent_dim + k), data_shape)
        return LabelConcatGenerator(base, model.latent_dim, k)

    def make_discriminator(self) -> nn.Module:
        model, shape, k = self.cfg.model, self.data_shape, self.cfg.model.num_classes
        if model.conditioning == "projection":
            net = ProjectionDiscriminator(shape, k, model.d_width, model.d_norm)
            return apply_spectral_norm(net) if model.spectral_norm else net
        if model.conditioning == "concat_all":
            net = EveryLayerConcatDiscriminator(shape, k, model.d_width, model.d_norm)
            return apply_spectral_norm(net) if model.spectral_norm else net
        image = len(shape) == 3
        joined = (shape[0] + k, *shape[1:]) if image else (int(torch.Size(shape).numel()) + k,)
        return LabelConcatDiscriminator(build_discriminator(model, joined), k, image)

    def critic(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.nets["discriminator"](x, labels)

    def disc_features(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.nets["discriminator"].features(x, labels)

    def fake_batch(self, n: int, device: torch.device,
                   labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.generator(self.sample_latent(n, device), labels)
