"""Special layers: minibatch discrimination, virtual batch norm, spectral norm, packing."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from gankit.nets.registry import spec_type

_SQRT_HALF = 0.7071067811865476  # 1/√2: Φ(z) = (1 + erf(z/√2)) / 2


class Maxout(nn.Module):
    """Goodfellow et al. 2013: `pieces` linear maps per unit, the unit outputs their maximum."""

    def __init__(self, in_features: int, out_features: int, pieces: int) -> None:
        super().__init__()
        self.out_features, self.pieces = out_features, pieces
        self.linear = nn.Linear(in_features, out_features * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x).view(x.shape[0], self.out_features, self.pieces).amax(dim=2)


class MinibatchDiscrimination(nn.Module):
    """Salimans et al. 2016, §3.2: for features f (N, A), M = f·T reshaped (N, B, C);
    c_b(i, j) = exp(-‖M_i,b - M_j,b‖₁); output [f, o] with o_i,b = Σ_{j≠i} c_b(i, j).
    A batch of near-identical samples gives large o, which D learns to flag."""

    def __init__(self, in_features: int, kernels: int, kernel_dim: int) -> None:
        super().__init__()
        self.kernels, self.kernel_dim = kernels, kernel_dim
        self.T = nn.Parameter(torch.randn(in_features, kernels * kernel_dim) * 0.1)
        self.out_features = in_features + kernels

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        m = (f @ self.T).view(-1, self.kernels, self.kernel_dim)
        l1 = (m.unsqueeze(0) - m.unsqueeze(1)).abs().sum(3)  # (N, N, B)
        o = torch.exp(-l1).sum(1) - 1.0  # drop the j = i term, exp(0) = 1
        return torch.cat([f, o], dim=1)


class VirtualBatchNorm(nn.Module):
    """Salimans et al. 2016, §3.4: each example is normalised with statistics of a fixed
    reference batch plus itself (weights R/(R+1) and 1/(R+1)). The owning network puts the
    reference batch's rows first in every forward and sets `ref_size`; the reference
    statistics are recomputed each pass, so they follow the current parameters."""

    def __init__(self, num_features: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.ref_size = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r = self.ref_size
        if r <= 0:
            raise RuntimeError("VirtualBatchNorm needs its network to feed a reference batch")
        dims = [0] + list(range(2, x.ndim))  # batch and spatial dims
        ref = x[:r]
        ref_mean = ref.mean(dim=dims, keepdim=True)
        ref_sq = (ref**2).mean(dim=dims, keepdim=True)
        spatial = list(range(2, x.ndim))
        own_mean = x.mean(dim=spatial, keepdim=True) if spatial else x
        own_sq = (x**2).mean(dim=spatial, keepdim=True) if spatial else x**2
        w = 1.0 / (r + 1)
        mean = w * own_mean + (1 - w) * ref_mean
        var = (w * own_sq + (1 - w) * ref_sq - mean**2).clamp_min(0)
        shape = [1, -1] + [1] * (x.ndim - 2)
        return (x - mean) / torch.sqrt(var + self.eps) * self.weight.view(shape) + self.bias.view(
            shape)


def norm_layer(kind: str, channels: int, dims: int = 2) -> nn.Module:
    """BatchNorm{1,2}d, VirtualBatchNorm or Identity for `kind` batch|virtual_batch|none."""
    if kind == "batch":
        return nn.BatchNorm2d(channels) if dims == 2 else nn.BatchNorm1d(channels)
    if kind == "virtual_batch":
        return VirtualBatchNorm(channels)
    return nn.Identity()


class UniformLatent(nn.Module):
    """z ~ N(0, I) to u = erf(z / √2) = 2Φ(z) - 1, uniform on [-1, 1]^d: G's first layer when
    `model.latent_prior = "uniform"`, so every sampler keeps drawing Gaussian codes."""

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.erf(z * _SQRT_HALF)


def categorical_code(z: torch.Tensor, components: int) -> torch.Tensor:
    """The code k = floor(K Φ(z_d)) that the categorical prior reads from each latent's last
    coordinate: uniform over `components` K for z ~ N(0, I)."""
    last = z.flatten(1)[:, -1]
    u = 0.5 * (1.0 + torch.erf(last * _SQRT_HALF))
    return (u * components).long().clamp_(0, components - 1)


class CategoricalLatent(nn.Module):
    """z ~ N(0, I_d) to [z_1 .. z_{d-1}, one-hot(k)], k = floor(K Φ(z_d)) uniform over `components`
    K: a disconnected latent (the categorical code of InfoGAN, without its mutual-information
    term), so a continuous G can place disconnected modes without a bridge of samples between
    them (Khayatkhoei et al. 2018). G's first layer when `model.latent_prior = "categorical"`;
    every sampler keeps drawing Gaussian codes of `latent_dim`. `continuous_scale` multiplies
    z_1 .. z_{d-1}: below 1, each code starts nearly a point and its spread grows more slowly
    than its position moves, so codes settle on single modes rather than straddle two."""

    def __init__(self, components: int, continuous_scale: float = 1.0) -> None:
        super().__init__()
        self.components, self.continuous_scale = components, continuous_scale

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        flat = z.flatten(1)
        code = torch.nn.functional.one_hot(categorical_code(z, self.components),
                                           self.components).to(flat.dtype)
        out = torch.cat([self.continuous_scale * flat[:, :-1], code], dim=1)
        return out.view(z.shape[0], -1, *z.shape[2:])


@spec_type
@dataclass(frozen=True)
class LatentPrior:
    """What G makes of its Gaussian z: `kind` normal|uniform|categorical (with `components`
    codes and `continuous_scale` on the Gaussian coordinates beside them)."""

    kind: str = "normal"
    components: int = 0
    continuous_scale: float = 1.0


NORMAL_PRIOR = LatentPrior()  # z used as it is drawn


def latent_layers(prior: LatentPrior, latent_dim: int) -> tuple[list[nn.Module], int]:
    """G's first layers for `prior`, and the width they feed on."""
    if prior.kind == "uniform":
        return [UniformLatent()], latent_dim
    if prior.kind == "categorical":
        width = latent_dim - 1 + prior.components  # the code's coordinate becomes K one-hot ones
        return [CategoricalLatent(prior.components, prior.continuous_scale)], width
    return [], latent_dim


class ReferenceBatch(nn.Module):
    """Holds the fixed reference latents of a VBN generator and feeds them through it."""

    def __init__(self, net: nn.Module, latent_dim: int, size: int, seed: int = 12345) -> None:
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        self.register_buffer("z", torch.randn(size, latent_dim, generator=gen))
        for module in net.modules():
            if isinstance(module, VirtualBatchNorm):
                module.ref_size = size

    def run(self, net: nn.Module, z: torch.Tensor) -> torch.Tensor:
        out = net(torch.cat([self.z.to(z.dtype), z]))
        return out[self.z.shape[0]:]


def apply_spectral_norm(net: nn.Module) -> nn.Module:
    """Spectral normalisation (Miyato et al. 2018) on every conv, linear and embedding weight
    (the projection discriminator's class embedding is normalised too, as in the paper)."""
    from torch.nn.utils.parametrizations import spectral_norm

    for module in list(net.modules()):
        if isinstance(module, (nn.Conv2d, nn.Linear, nn.ConvTranspose2d, nn.Embedding)):
            spectral_norm(module)
    net.gankit_spectral_norm = True  # recorded in the net's export spec
    return net


def pack(x: torch.Tensor, m: int) -> torch.Tensor:
    """PacGAN (Lin et al. 2018): m consecutive samples joined along channels (or features)."""
    if m == 1:
        return x
    return x.reshape(x.shape[0] // m, m * x.shape[1], *x.shape[2:])
