"""VGG19's convolutional features (Simonyan and Zisserman 2015) for SRGAN's perceptual loss,
in torchvision's layout (`features.N`) so that its ImageNet weights load, read from a local
file only: `vgg19-<hex>.pth` whose SHA-256 starts with <hex> (torchvision's convention),
found at an explicit path, $GANKIT_VGG19_WEIGHTS, or the torch hub checkpoint folder."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import torch
from torch import nn

from gankit.errors import GankitError

TORCHVISION_FILE = "vgg19-dcbb9e9d.pth"  # torchvision's ImageNet weights
CONFIG = (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512)
RELU5_4 = 35  # index in `features` of the ReLU after conv5_4 (the paper's phi_5,4, before its pool)
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


class VGG19Features(nn.Module):
    """Images in [-1, 1] (RGB, or gray repeated) -> VGG19 activations at layer `until`."""

    def __init__(self, until: int = RELU5_4) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = 3
        for item in CONFIG:
            if item == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(channels, item, 3, padding=1), nn.ReLU(inplace=True)]
                channels = item
        self.features = nn.Sequential(*layers[:until + 1])
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1))
        self.digest = ""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        return self.features(((x + 1) / 2 - self.mean) / self.std)


def candidates(explicit: str | Path | None = None) -> list[Path]:
    places = [explicit, os.environ.get("GANKIT_VGG19_WEIGHTS"),
              Path(torch.hub.get_dir()) / "checkpoints" / TORCHVISION_FILE]
    return [Path(p) for p in places if p]


def load_vgg19(explicit: str | Path | None = None) -> VGG19Features:
    """VGG19 features with weights from the first file found, checked against the digest
    prefix in its name; its full SHA-256 is kept in `.digest`."""
    found = next((p for p in candidates(explicit) if p.is_file()), None)
    if found is None:
        looked = ", ".join(str(p) for p in candidates(explicit))
        raise GankitError(f"VGG19 weights ({TORCHVISION_FILE}, torchvision's) not found in {looked}; they "
                          "cannot be downloaded here: copy the file in, or train with a perceptual loss "
                          "that needs none (srgan.content = \"d_features\")")
    match = re.fullmatch(r"vgg19-([0-9a-f]{8,})\.pth", found.name)
    if not match:
        raise GankitError(f"{found}: expected a name vgg19-<sha256 prefix>.pth (torchvision's convention)")
    digest = hashlib.sha256(found.read_bytes()).hexdigest()
    if not digest.startswith(match[1]):
        raise GankitError(f"{found}: its SHA-256 ({digest[:12]}...) does not match the prefix in its name")
    net = VGG19Features()
    try:
        state = torch.load(found, map_location="cpu", weights_only=True)
        net.features.load_state_dict({k.removeprefix("features."): v for k, v in state.items()
                                      if k.startswith("features.") and int(k.split(".")[1]) <= RELU5_4})
    except (RuntimeError, OSError, KeyError, ValueError) as err:
        raise GankitError(f"{found}: not VGG19 weights ({str(err).splitlines()[0][:120]})") from None
    net.digest = digest
    return net.eval().requires_grad_(False)
