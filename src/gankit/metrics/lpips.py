"""LPIPS (Zhang et al. 2018, v0.1, AlexNet): the learned perceptual distance of two images.

Each image is scaled as LPIPS expects, run through AlexNet's five conv stages; each stage's
features are unit-normalised over channels, their squared difference weighted by a learned
1×1 layer, averaged over space; the five are summed. Its weights cannot be downloaded on this
machine: gankit reads them from local files, found in this order: `--lpips-weights DIR` /
`lpips_dir`, `$GANKIT_LPIPS_WEIGHTS`, the torch hub checkpoint folder. DIR must hold
torchvision's `alexnet-owt-7be5be79.pth` (checked against the SHA-256 prefix in its name) and
the LPIPS package's `alex.pth` (linear layers of v0.1); their digests are stamped on results.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import torch
from torch import nn

from gankit.errors import GankitError

ALEXNET_FILE = "alexnet-owt-7be5be79.pth"
LINEAR_FILE = "alex.pth"
CHANNELS = (64, 192, 384, 256, 256)
SHIFT = (-0.030, -0.088, -0.188)
SCALE = (0.458, 0.448, 0.450)


class AlexFeatures(nn.Module):
    """torchvision's AlexNet `features` (same parameter names), returning relu1-relu5."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
            nn.Conv2d(256, 256, 3, padding=1), nn.ReLU())
        self.taps = (1, 4, 7, 9, 11)  # after each ReLU

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = []
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in self.taps:
                out.append(x)
        return out


class LPIPS(nn.Module):
    """d(x, y) for float NCHW images in [-1, 1] (gray ones replicated to RGB): one per pair."""

    def __init__(self) -> None:
        super().__init__()
        self.net = AlexFeatures()
        self.lins = nn.ModuleList(nn.Conv2d(c, 1, 1, bias=False) for c in CHANNELS)
        self.register_buffer("shift", torch.tensor(SHIFT).view(1, 3, 1, 1))
        self.register_buffer("scale", torch.tensor(SCALE).view(1, 3, 1, 1))
        self.digests: dict[str, str] = {}

    @torch.no_grad()
    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if x.shape[1] == 1:
            x, y = x.expand(-1, 3, -1, -1), y.expand(-1, 3, -1, -1)
        fx, fy = (self.net((t.float() - self.shift) / self.scale) for t in (x, y))
        total = 0.0
        for a, b, lin in zip(fx, fy, self.lins, strict=True):
            a = a / (a.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
            b = b / (b.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
            total = total + lin((a - b) ** 2).mean((2, 3))
        return total.view(-1)


def _candidates(lpips_dir: str | None) -> list[Path]:
    dirs = [lpips_dir, os.environ.get("GANKIT_LPIPS_WEIGHTS"),
            str(Path(torch.hub.get_dir()) / "checkpoints")]
    return [Path(d) for d in dirs if d]


def find_weights(lpips_dir: str | None = None) -> tuple[Path, Path] | None:
    """(AlexNet file, linear-layer file) in the first folder that has both, or None."""
    for folder in _candidates(lpips_dir):
        if (folder / ALEXNET_FILE).is_file() and (folder / LINEAR_FILE).is_file():
            return folder / ALEXNET_FILE, folder / LINEAR_FILE
    return None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_lpips(lpips_dir: str | None = None, check_alexnet: bool = True) -> LPIPS:
    """The LPIPS net from local weights, or one line saying where it looked."""
    found = find_weights(lpips_dir)
    if found is None:
        looked = ", ".join(str(p) for p in _candidates(lpips_dir))
        raise GankitError(f"LPIPS needs {ALEXNET_FILE} (torchvision) and {LINEAR_FILE} (the lpips "
                          f"package, v0.1) in one folder; none found in {looked}. They cannot be "
                          "downloaded here: copy them in and give --lpips-weights DIR")
    alexnet, linear = found
    digest = _sha256(alexnet)
    if check_alexnet and not digest.startswith(ALEXNET_FILE.rsplit("-", 1)[1].split(".")[0]):
        raise GankitError(f"{alexnet}: its SHA-256 ({digest[:12]}...) does not match the prefix in its "
                          "name: not torchvision's AlexNet weights")
    net = LPIPS()
    try:
        features = torch.load(alexnet, map_location="cpu", weights_only=True)
        lins = torch.load(linear, map_location="cpu", weights_only=True)
        net.net.load_state_dict({k: v for k, v in features.items() if k.startswith("features.")})
        net.lins.load_state_dict({k.replace("lin", "").replace(".model.1", ""): v
                                  for k, v in lins.items()})
    except (RuntimeError, OSError, KeyError, AttributeError) as err:
        reason = str(err).splitlines()[0][:120]
        raise GankitError(f"LPIPS weights in {alexnet.parent} do not fit ({reason})") from None
    net.digests = {"alexnet": digest, "linear": _sha256(linear)}
    return net.eval().requires_grad_(False)


def lpips_distance(x: torch.Tensor, y: torch.Tensor, lpips_dir: str | None = None,
                   batch_size: int = 32, net: LPIPS | None = None) -> float:
    """Mean LPIPS over pairs (x[i], y[i])."""
    net = net or load_lpips(lpips_dir)
    values = [net(x[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(x), batch_size)]
    return float(torch.cat(values).mean())


def available(lpips_dir: str | None = None) -> bool:
    return find_weights(lpips_dir) is not None


def _register() -> None:
    from gankit.metrics.registry import register_metric

    register_metric("lpips", "pairs", ("lpips",), ("LPIPS",), available=available)(
        lambda x, y, y_channel=False, border=0: {"lpips": lpips_distance(x, y)})


_register()

__all__ = ["LPIPS", "available", "find_weights", "load_lpips", "lpips_distance"]
