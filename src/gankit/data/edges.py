"""Edges -> image pairs, as `edges2shoes` was made from photos: the Canny edges of each image
(black lines on white) as A, the image as B. The detector and its thresholds are recorded in
the dataset; `data.dataset = "edges"` builds the pairs in memory (cached), `gankit data
edges` also writes them as A/ B/ folders for other tools."""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from gankit.errors import GankitError

DETECTOR = 1  # bump when the detector changes: cached datasets are made again


@dataclass(frozen=True)
class CannySettings:
    sigma: float = 1.0  # Gaussian blur before the gradients (pixels)
    low: float = 0.1  # hysteresis thresholds, as fractions of each image's largest gradient
    high: float = 0.2

    def record(self) -> dict:
        return {"detector": "canny", "version": DETECTOR, "sigma": self.sigma, "low": self.low,
                "high": self.high, "blur": "gaussian", "gradient": "sobel",
                "thresholds": "fractions of each image's largest gradient magnitude"}


def _gaussian(sigma: float) -> torch.Tensor:
    radius = max(1, math.ceil(3 * sigma))
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    g = torch.exp(-(x**2) / (2 * sigma**2))
    g = g / g.sum()
    return torch.outer(g, g)[None, None]


def canny(gray: torch.Tensor, settings: CannySettings = CannySettings()) -> torch.Tensor:
    """Edges (N, 1, H, W bool) of grayscale images (N, 1, H, W, values in [0, 1])."""
    kernel = _gaussian(settings.sigma)
    pad = kernel.shape[-1] // 2
    blurred = F.conv2d(F.pad(gray, (pad,) * 4, mode="reflect"), kernel)
    sobel_x = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])[None, None]
    padded = F.pad(blurred, (1, 1, 1, 1), mode="replicate")
    gx, gy = F.conv2d(padded, sobel_x), F.conv2d(padded, sobel_x.transpose(-1, -2))
    magnitude = torch.hypot(gx, gy)
    angle = torch.rad2deg(torch.atan2(gy, gx)) % 180
    bins = ((angle + 22.5) // 45).long() % 4  # 0: horizontal gradient, 1: 45°, 2: vertical, 3: 135°
    m = F.pad(magnitude, (1, 1, 1, 1))
    h, w = magnitude.shape[-2:]

    def at(dy: int, dx: int) -> torch.Tensor:
        return m[..., 1 + dy:1 + dy + h, 1 + dx:1 + dx + w]

    neighbours = [(at(0, 1), at(0, -1)), (at(1, 1), at(-1, -1)), (at(1, 0), at(-1, 0)),
                  (at(1, -1), at(-1, 1))]
    keep = torch.zeros_like(magnitude, dtype=torch.bool)
    for k, (a, b) in enumerate(neighbours):
        keep |= (bins == k) & (magnitude >= a) & (magnitude >= b)
    thin = magnitude * keep
    top = thin.flatten(1).amax(1).clamp_min(1e-8).view(-1, 1, 1, 1)
    strong, weak = thin >= settings.high * top, thin >= settings.low * top
    edges = strong
    for _ in range(h + w):  # hysteresis: weak pixels connected to strong ones
        grown = F.max_pool2d(edges.float(), 3, 1, 1).bool() & weak
        if torch.equal(grown, edges):
            break
        edges = grown
    return edges & (thin > 0)


def edge_pairs(images: torch.Tensor, settings: CannySettings) -> torch.Tensor:
    """A (edges: -1 where an edge is, 1 elsewhere) for float NCHW images in [-1, 1]."""
    gray = images.mean(1, keepdim=True).add(1).div(2) if images.shape[1] == 3 else (images + 1) / 2
    edges = torch.cat([canny(gray[i:i + 512], settings) for i in range(0, len(gray), 512)])
    return torch.where(edges, -1.0, 1.0).expand(-1, images.shape[1], -1, -1).contiguous()


def cache_key(images: torch.Tensor, settings: CannySettings) -> str:
    digest = hashlib.sha256(json.dumps(settings.record()).encode())
    digest.update(images[:: max(1, len(images) // 64)].numpy().tobytes())
    digest.update(str(tuple(images.shape)).encode())
    return digest.hexdigest()[:16]


def cached_edges(images: torch.Tensor, settings: CannySettings) -> torch.Tensor:
    """edge_pairs of `images`, kept in the user cache (uint8) after the first time."""
    from gankit.data.fetch import cache_dir

    root = cache_dir() / "edges"
    path = root / f"{cache_key(images, settings)}.npz"
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as data:
                return torch.from_numpy(data["edges"]).float().div_(127.5).sub_(1.0)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file: made again below
    edges = edge_pairs(images, settings)
    root.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp-{os.getpid()}.npz")
    np.savez_compressed(tmp, edges=((edges + 1) * 127.5).round().to(torch.uint8).numpy(),
                        settings=json.dumps(settings.record()))
    os.replace(tmp, path)
    return edges


def check_settings(settings: CannySettings) -> None:
    if not 0 < settings.low <= settings.high < 1 or settings.sigma <= 0:
        raise GankitError(f"edge detector: need 0 < low <= high < 1 and sigma > 0, got {settings}")
