"""Class-conditional networks: label concatenation (Mirza & Osindero 2014), conditional
batch norm and the projection discriminator (Miyato & Koyama 2018), the auxiliary
classifier discriminator (ACGAN, Odena et al. 2017) and the K-class discriminator of the
semi-supervised GAN (Salimans et al. 2016)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gankit.nets.dcgan import DCGANDiscriminator, _plan, dcgan_init
from gankit.nets.layers import norm_layer
from gankit.nets.registry import exportable


def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    return F.one_hot(labels.long(), num_classes).float()


def label_maps(code: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """One-hot codes (N, K) as K constant maps of `like`'s spatial size."""
    return code[:, :, None, None].expand(-1, -1, *like.shape[-2:]).to(like.dtype)


@exportable
class LabelConcatGenerator(nn.Module):
    """G(z, y) = base([z, one_hot(y)]): any unconditional generator built for a latent of
    latent_dim + num_classes."""

    conditional = True

    def __init__(self, base: nn.Module, latent_dim: int, num_classes: int) -> None:
        super().__init__()
        self.base, self.latent_dim, self.num_classes = base, latent_dim, num_classes
        self.output_shape = base.output_shape

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.base(torch.cat([z, one_hot(labels, self.num_classes)], dim=1))


@exportable
class LabelConcatDiscriminator(nn.Module):
    """D(x, y) = base([x, y]): for images the one-hot label is K constant channels beside the
    image's; for flat inputs it is K more features."""

    def __init__(self, base: nn.Module, num_classes: int, image: bool) -> None:
        super().__init__()
        self.base, self.num_classes, self.image = base, num_classes, image

    def joined(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        code = one_hot(labels, self.num_classes)
        if self.image:
            return torch.cat([x, label_maps(code, x)], dim=1)
        return torch.cat([x.flatten(1), code], dim=1)

    def features(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.base.features(self.joined(x, labels))

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.base(self.joined(x, labels))


@exportable
class EveryLayerConcatGenerator(nn.Module):
    """The conditional DCGAN generator of the DCGAN authors' code: the one-hot label joins z
    and, as K constant maps, the input of every later transposed convolution."""

    conditional = True

    def __init__(self, latent_dim: int, num_classes: int, image_shape: tuple[int, int, int],
                 width: int = 64, norm: str = "batch") -> None:
        super().__init__()
        channels, size, _ = image_shape
        start, layers = _plan(size)
        self.latent_dim, self.num_classes, self.output_shape = latent_dim, num_classes, tuple(image_shape)
        k, c = num_classes, width * 2 ** (layers - 1)
        self.ups = nn.ModuleList([nn.ConvTranspose2d(latent_dim + k, c, start, 1, 0, bias=False)])
        self.norms = nn.ModuleList([norm_layer(norm, c)])
        for _ in range(layers - 1):
            self.ups.append(nn.ConvTranspose2d(c + k, c // 2, 4, 2, 1, bias=False))
            self.norms.append(norm_layer(norm, c // 2))
            c //= 2
        self.out = nn.ConvTranspose2d(c + k, channels, 4, 2, 1)
        self.apply(dcgan_init)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        code = one_hot(labels, self.num_classes).to(z.dtype)
        h = torch.cat([z, code], dim=1).view(z.shape[0], -1, 1, 1)
        for up, norm in zip(self.ups, self.norms, strict=True):
            h = F.relu(norm(up(h)))
            h = torch.cat([h, label_maps(code, h)], dim=1)
        return torch.tanh(self.out(h))


@exportable
class EveryLayerConcatDiscriminator(nn.Module):
    """The DCGAN discriminator with the label as K constant maps beside the input of every
    convolution (the image, each hidden layer and the head), as in the DCGAN authors' code."""

    def __init__(self, image_shape: tuple[int, int, int], num_classes: int, width: int = 64,
                 norm: str = "batch") -> None:
        super().__init__()
        channels, size, _ = image_shape
        start, layers = _plan(size)
        k, c = num_classes, width
        self.num_classes = num_classes
        self.convs = nn.ModuleList([nn.Conv2d(channels + k, c, 4, 2, 1)])
        self.norms = nn.ModuleList([nn.Identity()])
        for _ in range(layers - 1):
            self.convs.append(nn.Conv2d(c + k, c * 2, 4, 2, 1, bias=norm != "batch"))
            self.norms.append(norm_layer(norm, c * 2))
            c *= 2
        self.head = nn.Conv2d(c + k, 1, start, 1, 0)
        self.apply(dcgan_init)

    def _hidden(self, x: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        h = x
        for conv, norm in zip(self.convs, self.norms, strict=True):
            h = F.leaky_relu(norm(conv(torch.cat([h, label_maps(code, h)], dim=1))), 0.2)
        return h

    def features(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self._hidden(x, one_hot(labels, self.num_classes)).flatten(1)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        code = one_hot(labels, self.num_classes)
        h = self._hidden(x, code)
        return self.head(torch.cat([h, label_maps(code, h)], dim=1)).view(-1)


class ConditionalBatchNorm2d(nn.Module):
    """Batch norm without its own affine part, then a per-class gain and bias, drawn around
    1 and 0 with std `spread`. With a spread of 0 (identity for every class) G starts blind
    to the label and, measured on Fashion-MNIST, still ignored it after 1,000 steps."""

    def __init__(self, channels: int, num_classes: int, spread: float = 0.2) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.gain = nn.Embedding(num_classes, channels)
        self.bias = nn.Embedding(num_classes, channels)
        nn.init.normal_(self.gain.weight, 1.0, spread)
        nn.init.normal_(self.bias.weight, 0.0, spread)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.norm(x) * self.gain(labels)[:, :, None, None] + self.bias(labels)[:, :, None, None]


@exportable
class CBNGenerator(nn.Module):
    """The DCGAN generator with conditional batch norm after every hidden layer; with
    `label_in_latent` the one-hot label also joins z (as in BigGAN, where the class embedding
    is both concatenated to z and fed to the conditional norms)."""

    conditional = True

    def __init__(self, latent_dim: int, num_classes: int, image_shape: tuple[int, int, int],
                 width: int = 64, label_in_latent: bool = False) -> None:
        super().__init__()
        channels, size, _ = image_shape
        start, layers = _plan(size)
        self.latent_dim, self.num_classes, self.output_shape = latent_dim, num_classes, tuple(image_shape)
        self.label_in_latent = label_in_latent
        c = width * 2 ** (layers - 1)
        first_in = latent_dim + (num_classes if label_in_latent else 0)
        self.ups = nn.ModuleList([nn.ConvTranspose2d(first_in, c, start, 1, 0, bias=False)])
        self.norms = nn.ModuleList([ConditionalBatchNorm2d(c, num_classes)])
        for _ in range(layers - 1):
            self.ups.append(nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False))
            self.norms.append(ConditionalBatchNorm2d(c // 2, num_classes))
            c //= 2
        self.out = nn.ConvTranspose2d(c, channels, 4, 2, 1)
        self.apply(dcgan_init)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if self.label_in_latent:
            z = torch.cat([z, one_hot(labels, self.num_classes).to(z.dtype)], dim=1)
        h = z.view(z.shape[0], -1, 1, 1)
        for up, norm in zip(self.ups, self.norms, strict=True):
            h = F.relu(norm(up(h), labels))
        return torch.tanh(self.out(h))


def _feature_width(body: nn.Module, image_shape: tuple[int, int, int]) -> int:
    with torch.no_grad():
        return body(torch.zeros(2, *image_shape)).flatten(1).shape[1]


@exportable
class ProjectionDiscriminator(nn.Module):
    """D(x, y) = ψ(φ(x)) + ⟨embed(y), φ(x)⟩. φ: the DCGAN convolutions, then one convolution
    over the whole remaining map (as the DCGAN head) to 2·C features. The paper sums a deep
    ResNet's features over space; after only two DCGAN layers a spatial sum would leave φ a
    bag of 10-pixel patches that cannot judge an image's shape (measured: samples ignored
    their class), so φ keeps a global view instead."""

    def __init__(self, image_shape: tuple[int, int, int], num_classes: int, width: int = 64,
                 norm: str = "none") -> None:
        super().__init__()
        self.body = DCGANDiscriminator(image_shape, width, norm).features
        channels, size = self.body(torch.zeros(2, *image_shape)).shape[1:3]
        self.global_conv = nn.Conv2d(channels, 2 * channels, size)
        self.linear = nn.Linear(2 * channels, 1)
        self.embed = nn.Embedding(num_classes, 2 * channels)
        nn.init.normal_(self.embed.weight, 0.0, (2 * channels) ** -0.5)

    def features(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """φ(x): one feature vector per image."""
        return F.leaky_relu(self.global_conv(self.body(x)), 0.2).flatten(1)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        phi = self.features(x)
        return self.linear(phi).view(-1) + (self.embed(labels) * phi).sum(dim=1)


@exportable
class AuxClassifierDiscriminator(nn.Module):
    """ACGAN's D: shared DCGAN convolutions, then a real/fake logit and K class logits."""

    def __init__(self, image_shape: tuple[int, int, int], num_classes: int, width: int = 64,
                 norm: str = "batch") -> None:
        super().__init__()
        self.body = DCGANDiscriminator(image_shape, width, norm).features
        flat = _feature_width(self.body, image_shape)
        self.adversarial = nn.Linear(flat, 1)
        self.classifier = nn.Linear(flat, num_classes)

    def features(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.body(x).flatten(1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.features(x)
        return self.adversarial(h).view(-1), self.classifier(h)


@exportable
class ClassifierDiscriminator(nn.Module):
    """The semi-supervised GAN's D: K class logits; the fake class is implicit, so
    D(real) = Z / (Z + 1) with Z = Σ exp(logits). Also the supervised baseline's network."""

    def __init__(self, image_shape: tuple[int, int, int], num_classes: int, width: int = 64,
                 dropout: float = 0.3) -> None:
        super().__init__()
        self.body = DCGANDiscriminator(image_shape, width, "none").features
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(_feature_width(self.body, image_shape), num_classes)
        self.num_classes = num_classes

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.features(x)))
