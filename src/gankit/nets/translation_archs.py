"""The architectures configs name for the translation family: the U-Net and ResNet translators
and the PatchGAN / PixelGAN discriminators, with the typed options of their `[nets.<role>]` sections."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Literal

from torch import nn

from gankit.errors import GankitError
from gankit.fields import NonNegativeInt, PositiveInt, Range, opt
from gankit.nets.archs import NetOptions
from gankit.nets.layers import apply_spectral_norm
from gankit.nets.patchgan import PatchDiscriminator, PixelDiscriminator, receptive_field
from gankit.nets.registry import register_arch
from gankit.nets.resnet_translator import DOWNSAMPLINGS, ResNetTranslator
from gankit.nets.srresnet import SRDiscriminator, SRResNet
from gankit.nets.unet import NORMS, UNetGenerator


def _check_image(where: str, shape: tuple[int, ...]) -> None:
    if len(shape) != 3:
        raise GankitError(f"{where}: this architecture needs image data")


@dataclass
class UNetOptions(NetOptions):
    arch: str = "unet"
    width: PositiveInt = opt(64, "channels of the first encoder layer (doubled per level, at most 8x)")
    norm: Literal[NORMS] = opt("batch", "batch | instance | none")
    dropout: Annotated[float, Range(0, 1, hi_open=True)] = opt(
        0.5, "dropout in the decoder layers after the bottleneck (pix2pix's noise; 0: none)")
    dropout_layers: NonNegativeInt = opt(3, "how many decoder layers after the bottleneck drop out")
    depth: NonNegativeInt = opt(0, "stride-2 levels (0: log2(image size), a 1x1 bottleneck)")

    def check(self, where: str, shape: tuple[int, ...]) -> None:
        _check_image(where, shape)
        size = shape[-1]
        depth = self.depth or math.log2(size)
        if depth != int(depth) or size % 2 ** int(depth):
            raise GankitError(f"data.image_size: a U-Net of depth {self.depth or 'log2(size)'} needs "
                              f"a size divisible by 2^depth, got {size} (set {where}.depth)")


@dataclass
class ResNetOptions(NetOptions):
    arch: str = "resnet"
    width: PositiveInt = opt(64, "channels of the stem (doubled by each of the two downsamplings)")
    blocks: NonNegativeInt = opt(0, "residual blocks (0: 9 at 256 px and above, 6 below, as in CycleGAN)")
    norm: Literal[NORMS] = opt("instance", "instance | batch | none")
    dropout: Annotated[float, Range(0, 1, hi_open=True)] = opt(0.0, "dropout inside each block (0: none)")

    def check(self, where: str, shape: tuple[int, ...]) -> None:
        _check_image(where, shape)
        if shape[-1] % 2**DOWNSAMPLINGS or shape[-1] < 8:
            raise GankitError(f"data.image_size: the ResNet translator downsamples twice and needs a "
                              f"size divisible by 4 (at least 8), got {shape[-1]}")

    def resolved_blocks(self, size: int) -> int:
        return self.blocks or (9 if size >= 256 else 6)


@dataclass
class PatchGANOptions(NetOptions):
    arch: str = "patchgan"
    width: PositiveInt = opt(64, "channels of the first layer")
    layers: PositiveInt = opt(3, "stride-2 layers: patches of 16, 34, 70, 142, 286 px for 1-5")
    norm: Literal[NORMS] = opt("batch", "batch | instance | none")
    spectral_norm: bool = opt(False, "spectral normalisation of every weight")

    def check(self, where: str, shape: tuple[int, ...]) -> None:
        _check_image(where, shape)
        if shape[-1] < 2 ** (self.layers + 1):
            raise GankitError(f"{where}.layers = {self.layers} shrinks a {shape[-1]}-px image below "
                              f"one patch (receptive field {receptive_field(self.layers)} px); use fewer")


@dataclass
class PixelGANOptions(NetOptions):
    arch: str = "pixelgan"
    width: PositiveInt = opt(64, "channels of the first 1x1 layer")
    norm: Literal[NORMS] = opt("batch", "batch | instance | none")
    spectral_norm: bool = opt(False, "spectral normalisation of every weight")

    def check(self, where: str, shape: tuple[int, ...]) -> None:
        _check_image(where, shape)


@register_arch("translator", "unet", UNetOptions)
def unet(o: UNetOptions, shape: tuple[int, ...], in_channels: int | None = None) -> nn.Module:
    return UNetGenerator(in_channels or shape[0], shape[0], shape[-1], o.width, o.norm, o.dropout,
                         o.dropout_layers, o.depth)


@register_arch("translator", "resnet", ResNetOptions)
def resnet(o: ResNetOptions, shape: tuple[int, ...], in_channels: int | None = None) -> nn.Module:
    return ResNetTranslator(in_channels or shape[0], shape[0], o.width, o.resolved_blocks(shape[-1]),
                            o.norm, o.dropout)


@register_arch("discriminator", "patchgan", PatchGANOptions)
def patchgan(o: PatchGANOptions, shape: tuple[int, ...]) -> nn.Module:
    net = PatchDiscriminator(shape[0], o.width, o.layers, o.norm)
    return apply_spectral_norm(net) if o.spectral_norm else net


@register_arch("discriminator", "pixelgan", PixelGANOptions)
def pixelgan(o: PixelGANOptions, shape: tuple[int, ...]) -> nn.Module:
    net = PixelDiscriminator(shape[0], o.width, o.norm)
    return apply_spectral_norm(net) if o.spectral_norm else net


@dataclass
class SRResNetOptions(NetOptions):
    arch: str = "srresnet"
    scale: PositiveInt = opt(4, "upscaling factor, a power of two (the data's HR / LR size)")
    width: PositiveInt = opt(64, "channels of every residual block")
    blocks: PositiveInt = opt(16, "residual blocks (16 in the paper)")
    bicubic_skip: bool = opt(False, "learn a residual on top of the bicubic upscaling (not in the paper; "
                             "short runs start at bicubic's quality)")

    def check(self, where: str, shape: tuple[int, ...]) -> None:
        _check_image(where, shape)
        if self.scale < 2 or self.scale & (self.scale - 1):
            raise GankitError(f"{where}.scale: a power of two (2, 4, 8), got {self.scale}")


@dataclass
class SRDiscriminatorOptions(NetOptions):
    arch: str = "srgan"
    width: PositiveInt = opt(64, "channels of the first conv (doubled every two layers to 8x)")

    def check(self, where: str, shape: tuple[int, ...]) -> None:
        _check_image(where, shape)


@register_arch("translator", "srresnet", SRResNetOptions)
def srresnet(o: SRResNetOptions, shape: tuple[int, ...], in_channels: int | None = None) -> nn.Module:
    return SRResNet(in_channels or shape[0], shape[0], o.scale, o.width, o.blocks, o.bicubic_skip)


@register_arch("discriminator", "srgan", SRDiscriminatorOptions)
def srgan_discriminator(o: SRDiscriminatorOptions, shape: tuple[int, ...]) -> nn.Module:
    return SRDiscriminator(shape[0], o.width)
