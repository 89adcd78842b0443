"""Networks, built from the model section of a config."""

from __future__ import annotations

from torch import nn

from gankit.config import ModelConfig
from gankit.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from gankit.nets.layers import LatentPrior, apply_spectral_norm
from gankit.nets.mlp import MLPDiscriminator, MLPGenerator


def build_generator(cfg: ModelConfig, data_shape: tuple[int, ...]) -> nn.Module:
    """G for samples of `data_shape` ((C, H, W) images or (2,) points)."""
    prior = LatentPrior(cfg.latent_prior, cfg.latent_components, cfg.latent_continuous_scale)
    if cfg.arch == "dcgan":
        return DCGANGenerator(cfg.latent_dim, data_shape, cfg.g_width, cfg.g_norm,
                              cfg.vbn_reference_size, prior)
    is_image = len(data_shape) == 3
    return MLPGenerator(cfg.latent_dim, data_shape, cfg.g_hidden, cfg.g_norm, tanh=is_image,
                        reference_size=cfg.vbn_reference_size, prior=prior)


def build_discriminator(cfg: ModelConfig, data_shape: tuple[int, ...]) -> nn.Module:
    """D giving one logit per input of `data_shape`; with `pack` = m the input is m samples
    joined along the first axis (PacGAN); spectral norm wraps every weight when asked."""
    shape = (data_shape[0] * cfg.pack, *data_shape[1:])
    if cfg.arch == "dcgan":
        net = DCGANDiscriminator(shape, cfg.d_width, cfg.d_norm, cfg.minibatch_kernels,
                                 cfg.minibatch_kernel_dim)
    else:
        net = MLPDiscriminator(shape, cfg.d_hidden, cfg.d_dropout, cfg.minibatch_kernels,
                               cfg.minibatch_kernel_dim, cfg.d_maxout_pieces)
    return apply_spectral_norm(net) if cfg.spectral_norm else net


__all__ = ["build_generator", "build_discriminator", "DCGANGenerator", "DCGANDiscriminator",
           "MLPGenerator", "MLPDiscriminator"]
