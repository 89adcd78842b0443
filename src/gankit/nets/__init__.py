"""Networks, built from the model section of a config."""

from __future__ import annotations

from torch import nn

from gankit.config import ModelConfig
from gankit.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from gankit.nets.mlp import MLPDiscriminator, MLPGenerator


def build_generator(cfg: ModelConfig, data_shape: tuple[int, ...]) -> nn.Module:
    """G for samples of `data_shape` ((C, H, W) images or (2,) points)."""
    if cfg.arch == "dcgan":
        return DCGANGenerator(cfg.latent_dim, data_shape, cfg.g_width, cfg.g_norm)
    is_image = len(data_shape) == 3
    return MLPGenerator(cfg.latent_dim, data_shape, cfg.g_hidden, cfg.g_norm, tanh=is_image)


def build_discriminator(cfg: ModelConfig, data_shape: tuple[int, ...]) -> nn.Module:
    """D giving one logit per sample of `data_shape`."""
    if cfg.arch == "dcgan":
        return DCGANDiscriminator(data_shape, cfg.d_width, cfg.d_norm)
    return MLPDiscriminator(data_shape, cfg.d_hidden, cfg.d_dropout)


__all__ = ["build_generator", "build_discriminator", "DCGANGenerator", "DCGANDiscriminator",
           "MLPGenerator", "MLPDiscriminator"]
