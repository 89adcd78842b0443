"""The architectures configs name for the generation family: `dcgan` and `mlp` generators
and discriminators, with the typed options of their `[nets.<role>]` sections."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from torch import nn

from gankit.errors import GankitError
from gankit.fields import NonNegativeInt, PositiveFloat, PositiveInt, Range, opt
from gankit.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from gankit.nets.layers import LatentPrior, apply_spectral_norm
from gankit.nets.mlp import MLPDiscriminator, MLPGenerator
from gankit.nets.registry import register_arch

DCGAN_SIZES = (28, 32, 64)


@dataclass
class NetOptions:
    """Every net section names its architecture first."""

    convolutional: ClassVar[bool] = True  # channels-last memory layout helps it
    arch: str = ""

    def check(self, where: str, shape: tuple[int, ...]) -> None:  # noqa: B027 (optional hook)
        """Refuse a shape this architecture cannot take, in one line."""


@dataclass
class LatentOptions(NetOptions):
    """What a generator makes of its Gaussian z."""

    latent_dim: PositiveInt = opt(100, "size of G's latent z")
    latent_prior: Literal["normal", "uniform", "categorical"] = opt(
        "normal", "normal | uniform (erf(z/√2)) | categorical (the last coordinate picks one of "
        "latent_components one-hot codes)")
    latent_components: NonNegativeInt = opt(0, "latent_prior = categorical: how many codes")
    latent_continuous_scale: PositiveFloat = opt(
        1.0, "latent_prior = categorical: factor on the Gaussian coordinates beside the code")

    def prior(self) -> LatentPrior:
        return LatentPrior(self.latent_prior, self.latent_components, self.latent_continuous_scale)

    def check(self, where: str, shape: tuple[int, ...]) -> None:
        if (self.latent_prior == "categorical") != (self.latent_components > 0):
            raise GankitError(f"{where}.latent_components is the number of codes of latent_prior = "
                              "\"categorical\": set both (e.g. 25) or neither")
        if self.latent_prior == "categorical" and (self.latent_components < 2 or self.latent_dim < 2):
            raise GankitError(f"{where}: latent_prior = \"categorical\" needs latent_components >= 2 "
                              "and latent_dim >= 2 (the last coordinate picks the code)")
        if self.latent_continuous_scale != 1.0 and self.latent_prior != "categorical":
            raise GankitError(f"{where}.latent_continuous_scale weighs the Gaussian coordinates beside "
                              "the code of latent_prior = \"categorical\"")


def _check_dcgan_shape(where: str, shape: tuple[int, ...]) -> None:
    if len(shape) != 3:
        raise GankitError(f"{where}.arch: dcgan needs image data, but this dataset gives points; "
                          "use arch = \"mlp\"")
    if shape[1] not in DCGAN_SIZES:
        raise GankitError(f"data.image_size: the DCGAN nets support 28, 32 or 64, got {shape[1]}")


@dataclass
class DCGANGeneratorOptions(LatentOptions):
    arch: str = "dcgan"
    width: PositiveInt = opt(64, "channels of the last hidden layer (doubled per layer up)")
    norm: Literal["batch", "virtual_batch", "none"] = opt("batch", "normalisation in hidden layers")
    vbn_reference_size: PositiveInt = opt(64, "reference batch of virtual batch norm")

    def check(self, where: str, shape: tuple[int, ...]) -> None:
        super().check(where, shape)
        _check_dcgan_shape(where, shape)


@dataclass
class MLPGeneratorOptions(LatentOptions):
    convolutional: ClassVar[bool] = False
    arch: str = "mlp"
    hidden: list[PositiveInt] = opt([256, 512, 1024], "widths of the hidden layers")
    norm: Literal["batch", "virtual_batch", "none"] = opt("batch", "normalisation in hidden layers")
    vbn_reference_size: PositiveInt = opt(64, "reference batch of virtual batch norm")


@dataclass
class DiscriminatorOptions(NetOptions):
    spectral_norm: bool = opt(False, "spectral normalisation of every weight")
    minibatch_kernels: NonNegativeInt = opt(0, "minibatch discrimination kernels B (0: off)")
    minibatch_kernel_dim: PositiveInt = opt(5, "... and their dimension C")


@dataclass
class DCGANDiscriminatorOptions(DiscriminatorOptions):
    arch: str = "dcgan"
    width: PositiveInt = opt(64, "channels of the first layer (doubled per layer down)")
    norm: Literal["batch", "none"] = opt("batch", "normalisation in hidden layers")

    def check(self, where: str, shape: tuple[int, ...]) -> None:
        _check_dcgan_shape(where, shape)


@dataclass
class MLPDiscriminatorOptions(DiscriminatorOptions):
    convolutional: ClassVar[bool] = False
    arch: str = "mlp"
    hidden: list[PositiveInt] = opt([1024, 512, 256], "widths of the hidden layers")
    dropout: Annotated[float, Range(0, 1, hi_open=True)] = opt(0.0, "dropout after each hidden layer")
    maxout_pieces: NonNegativeInt = opt(0, "maxout units of this many pieces instead of LeakyReLU")


@register_arch("generator", "dcgan", DCGANGeneratorOptions)
def dcgan_generator(o: DCGANGeneratorOptions, shape: tuple[int, ...]) -> nn.Module:
    return DCGANGenerator(o.latent_dim, shape, o.width, o.norm, o.vbn_reference_size, o.prior())


@register_arch("generator", "mlp", MLPGeneratorOptions)
def mlp_generator(o: MLPGeneratorOptions, shape: tuple[int, ...]) -> nn.Module:
    return MLPGenerator(o.latent_dim, shape, o.hidden, o.norm, tanh=len(shape) == 3,
                        reference_size=o.vbn_reference_size, prior=o.prior())


@register_arch("discriminator", "dcgan", DCGANDiscriminatorOptions)
def dcgan_discriminator(o: DCGANDiscriminatorOptions, shape: tuple[int, ...]) -> nn.Module:
    net = DCGANDiscriminator(shape, o.width, o.norm, o.minibatch_kernels, o.minibatch_kernel_dim)
    return apply_spectral_norm(net) if o.spectral_norm else net


@register_arch("discriminator", "mlp", MLPDiscriminatorOptions)
def mlp_discriminator(o: MLPDiscriminatorOptions, shape: tuple[int, ...]) -> nn.Module:
    net = MLPDiscriminator(shape, o.hidden, o.dropout, o.minibatch_kernels,
                           o.minibatch_kernel_dim, o.maxout_pieces)
    return apply_spectral_norm(net) if o.spectral_norm else net


def flat_size(shape: tuple[int, ...]) -> int:
    return math.prod(shape)
