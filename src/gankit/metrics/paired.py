"""Metrics of translated images against their true targets (pairs of float NCHW images in
[-1, 1]): L1, PSNR and SSIM, per image then averaged, on [0, 1] pixel values.

SSIM is Wang et al. 2004 with the usual 11×11 Gaussian window of σ 1.5, K1 0.01, K2 0.03,
population covariances, over the window positions that lie inside the image (as
scikit-image's `structural_similarity(gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=1)`), averaged over channels. Super-resolution papers
measure on the luma channel (`y_channel`: ITU-R BT.601, as MATLAB's rgb2ycbcr) with `border`
pixels cropped from every side; both are options.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from gankit.errors import GankitError

BT601 = (65.481, 128.553, 24.966)  # Y = 16 + these · (R, G, B) for RGB in [0, 1], on 0-255


def _prepare(x: torch.Tensor, y: torch.Tensor, y_channel: bool,
             border: int) -> tuple[torch.Tensor, torch.Tensor]:
    if x.shape != y.shape or x.ndim != 4:
        raise GankitError(f"paired metrics need two image batches of one shape, got {tuple(x.shape)} "
                          f"and {tuple(y.shape)}")
    x, y = (x.double().clamp(-1, 1) + 1) / 2, (y.double().clamp(-1, 1) + 1) / 2
    if y_channel:
        if x.shape[1] == 3:
            weights = torch.tensor(BT601, dtype=torch.float64).view(1, 3, 1, 1)
            x, y = ((16 + (t * weights).sum(1, keepdim=True)) / 255 for t in (x, y))
    if border:
        if 2 * border >= min(x.shape[-2:]):
            raise GankitError(f"a border of {border} px leaves nothing of {x.shape[-1]}-px images")
        x, y = x[..., border:-border, border:-border], y[..., border:-border, border:-border]
    return x, y


def l1(x: torch.Tensor, y: torch.Tensor, y_channel: bool = False, border: int = 0) -> float:
    """Mean absolute difference of pixel values in [0, 1]."""
    x, y = _prepare(x, y, y_channel, border)
    return float((x - y).abs().mean())


def psnr(x: torch.Tensor, y: torch.Tensor, y_channel: bool = False, border: int = 0) -> float:
    """Mean over images of 10 log10(1 / MSE) for pixel values in [0, 1] (identical images: inf)."""
    x, y = _prepare(x, y, y_channel, border)
    mse = (x - y).pow(2).flatten(1).mean(1)
    return float((10 * torch.log10(1 / mse)).mean()) if (mse > 0).all() else math.inf


def gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    """The normalised 2-D Gaussian window (outer product of 1-D taps)."""
    taps = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(taps**2) / (2 * sigma**2))
    g /= g.sum()
    return torch.outer(g, g)


def ssim(x: torch.Tensor, y: torch.Tensor, y_channel: bool = False, border: int = 0,
         window: int = 11, sigma: float = 1.5) -> float:
    """Mean SSIM over images (and channels), at window positions inside the image."""
    x, y = _prepare(x, y, y_channel, border)
    if min(x.shape[-2:]) < window:
        raise GankitError(f"SSIM's {window}x{window} window does not fit {x.shape[-1]}-px images")
    c = x.shape[1]
    kernel = gaussian_window(window, sigma).to(x).expand(c, 1, window, window)

    def blur(t: torch.Tensor) -> torch.Tensor:
        return F.conv2d(t, kernel, groups=c)

    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x**2
    var_y = blur(y * y) - mu_y**2
    cov = blur(x * y) - mu_x * mu_y
    c1, c2 = 0.01**2, 0.03**2
    s = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    return float(s.flatten(1).mean(1).mean())


def _register() -> None:
    from gankit.metrics.registry import register_metric

    for name, fn, label in (("l1", l1, "L1"), ("psnr", psnr, "PSNR"), ("ssim", ssim, "SSIM")):
        register_metric(name, "pairs", (name,), (label,))(
            lambda x, y, y_channel=False, border=0, fn=fn, name=name: {name: fn(x, y, y_channel, border)})


_register()
