"""Feature extractors: uint8 images in, feature rows (and class logits) out.

    >>> extract = extractor("fmnist"); feats = extract(images_uint8)   # (N, 128)

Each extractor states its protocol (name, weights hash, input size, resize mode), which is
stamped on every result computed from its features.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from gankit.errors import GankitError
from gankit.logs import get_logger

log = get_logger("eval")


@dataclass
class Features:
    """Feature rows (N, D) and, when the network has a classifier, logits (N, K)."""

    features: np.ndarray
    logits: np.ndarray | None = None


def as_uint8_images(images: Any) -> np.ndarray | torch.Tensor:
    """Images as uint8 NCHW (accepts N×H×W, N×C×H×W, N×H×W×C with C = 1 or 3)."""
    shape, dtype = tuple(images.shape), getattr(images, "dtype", None)
    if dtype not in (np.uint8, torch.uint8):
        raise GankitError(f"images must be uint8 (0-255), got dtype {dtype}")
    if len(shape) == 3:
        return images[:, None]
    if len(shape) != 4:
        raise GankitError(f"images must be (N, H, W), (N, C, H, W) or (N, H, W, C); got shape {shape}")
    if shape[1] in (1, 3):
        return images
    if shape[3] in (1, 3):
        return images.transpose(0, 3, 1, 2) if isinstance(images, np.ndarray) else images.permute(0, 3, 1, 2)
    raise GankitError(f"images must have 1 or 3 channels, got shape {shape}")


class Extractor(ABC):
    """Runs a fixed network over uint8 images in batches."""

    name: str
    dim: int
    has_logits: bool = False

    @property
    @abstractmethod
    def protocol(self) -> dict[str, Any]:
        """What a result computed from these features depends on."""

    @abstractmethod
    def _prepare(self, batch: torch.Tensor) -> torch.Tensor:
        """uint8 NCHW → the network's float input."""

    @abstractmethod
    def _forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Network input → (features, logits or None)."""

    @torch.inference_mode()
    def extract(self, images: Any, batch_size: int = 50, progress: bool = False) -> Features:
        """Features (float64) and logits of all images, `batch_size` at a time."""
        images = as_uint8_images(images)
        if len(images) == 0:
            raise GankitError("no images to extract features from")
        feats, logits = [], []
        bar = tqdm(total=len(images), desc=f"{self.name} features", unit="img",
                   disable=not progress, leave=False)
        for start in range(0, len(images), batch_size):
            batch = torch.as_tensor(np.ascontiguousarray(images[start : start + batch_size]))
            started = time.perf_counter()
            f, lg = self._forward(self._prepare(batch))
            feats.append(f.double().numpy())
            if lg is not None:
                logits.append(lg.double().numpy())
            bar.update(len(batch))
            if start == 0 and len(images) > 4 * batch_size:  # said up front, measured, not guessed
                left = (time.perf_counter() - started) * (len(images) - len(batch)) / len(batch)
                log.info(f"{self.name} features of {len(images)} images: about {left:.0f} s more")
        bar.close()
        return Features(np.concatenate(feats), np.concatenate(logits) if logits else None)

    def __call__(self, images: Any, batch_size: int = 50, progress: bool = False) -> np.ndarray:
        return self.extract(images, batch_size, progress).features


class InceptionExtractor(Extractor):
    """pool3 of the 2015-12-05 Inception (2048-d) at 299×299; logits when the weights have them."""

    name, dim = "inception", 2048

    def __init__(self, weights: str | Path | None = None, resize: str = "tf1-bilinear") -> None:
        from gankit.metrics.inception_weights import find_weights, load_inception
        from gankit.metrics.resize import RESIZE_MODES

        if resize not in RESIZE_MODES:
            raise GankitError(f"unknown resize mode {resize!r}; choose from {', '.join(RESIZE_MODES)}")
        self.weights_path = find_weights(weights)
        self.net, self.weights_sha256 = load_inception(self.weights_path)
        # channels-last convolutions run about 1.6x faster on CPU (oneDNN), same features
        # to float rounding (max |diff| ~1e-5 on pool3 values of order 1)
        self.net = self.net.to(memory_format=torch.channels_last)
        self.resize_mode = resize
        self.has_logits = self.net.fc is not None

    @property
    def protocol(self) -> dict[str, Any]:
        return {"extractor": self.name, "weights": str(self.weights_path),
                "weights_sha256": self.weights_sha256, "input": "3x299x299, (x - 128) / 128",
                "resize": self.resize_mode}

    def _prepare(self, batch: torch.Tensor) -> torch.Tensor:
        from gankit.metrics.inception_net import INPUT_SIZE
        from gankit.metrics.resize import resize

        x = batch.float()
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        x = (resize(x, INPUT_SIZE, self.resize_mode) - 128.0) / 128.0
        return x.contiguous(memory_format=torch.channels_last)

    def _forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        return self.net(x)


class FashionExtractor(Extractor):
    """The bundled Fashion-MNIST classifier: 128-d penultimate features and 10 logits, on
    28×28 grayscale (other sizes resized with antialiased bilinear, RGB to luminance)."""

    name, dim, has_logits = "fmnist", 128, True

    def __init__(self, weights: str | Path | None = None) -> None:
        from gankit.data.fetch import sha256_of
        from gankit.metrics.fmnist_net import WEIGHTS_FILE, load_classifier_weights

        self.weights_path = Path(weights) if weights else WEIGHTS_FILE
        self.net, self.metadata = load_classifier_weights(self.weights_path)
        self.weights_sha256 = sha256_of(self.weights_path)

    @property
    def protocol(self) -> dict[str, Any]:
        return {"extractor": self.name, "weights_sha256": self.weights_sha256,
                "input": "1x28x28, x / 127.5 - 1", "resize": "bilinear-antialias",
                "classifier_test_accuracy": self.metadata.get("test_accuracy")}

    def _prepare(self, batch: torch.Tensor) -> torch.Tensor:
        x = batch.float().div_(127.5).sub_(1.0)
        if x.shape[1] == 3:
            x = (x * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
        if x.shape[-2:] != (28, 28):
            x = F.interpolate(x, size=(28, 28), mode="bilinear", antialias=True,
                              align_corners=False).clamp_(-1, 1)
        return x

    def _forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        features = self.net.features(x)
        return features, self.net.head(features)


EXTRACTORS: dict[str, Callable[..., Extractor]] = {
    "inception": InceptionExtractor,
    "fmnist": FashionExtractor,
}


def extractor(name: str, **options: Any) -> Extractor:
    """A feature extractor by name (`inception` or `fmnist`); options go to its constructor."""
    if name not in EXTRACTORS:
        raise GankitError(f"unknown feature extractor {name!r}; choose from {', '.join(EXTRACTORS)}")
    return EXTRACTORS[name](**options)
