"""Networks: the architectures configs name, and every class that exports can rebuild."""

from __future__ import annotations

from torch import nn

from gankit.nets import (  # noqa: F401 (register their classes)
    archs,
    bicycle,
    code_head,
    conditional,
    patchgan,
    srresnet,
    translation_archs,
    unet,
    zi2zi,
)
from gankit.nets.archs import NetOptions
from gankit.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from gankit.nets.mlp import MLPDiscriminator, MLPGenerator
from gankit.nets.registry import build_from_spec, get_arch, net_spec


def build_net(kind: str, options: NetOptions, shape: tuple[int, ...], where: str = "nets",
              **extra) -> nn.Module:
    """The `kind` net (generator, discriminator, translator, ...) that `options` describe, for
    examples of `shape` (what G makes, or what D judges); `extra`: what else the architecture
    takes (e.g. a translator's `in_channels`)."""
    return get_arch(kind, options.arch, f"{where}.arch").build(options, shape, **extra)


__all__ = ["build_net", "build_from_spec", "net_spec", "DCGANGenerator", "DCGANDiscriminator",
           "MLPGenerator", "MLPDiscriminator", "NetOptions"]
