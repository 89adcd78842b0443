"""The Fashion-MNIST classifier behind the `fmnist` extractor: a small CNN whose 128-d
penultimate activations serve as features and whose softmax serves as class scores."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

WEIGHTS_FILE = Path(__file__).with_name("weights") / "fmnist_classifier.safetensors"
FEATURE_DIM = 128
NUM_CLASSES = 10


def _conv(c_in: int, c_out: int) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]


class FashionClassifier(nn.Module):
    """28×28 grayscale images (float NCHW in [-1, 1]) to 10 class logits."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            *_conv(1, 32), *_conv(32, 32), nn.MaxPool2d(2),
            *_conv(32, 64), *_conv(64, 64), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 7 * 7, FEATURE_DIM, bias=False),
            nn.BatchNorm1d(FEATURE_DIM), nn.ReLU(),
        )
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(FEATURE_DIM, NUM_CLASSES)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The 128-d penultimate activations."""
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.body(x)))


def load_classifier_weights(path: str | Path = WEIGHTS_FILE) -> tuple[FashionClassifier, dict]:
    """The trained classifier (eval mode) and the metadata stored with its weights."""
    from safetensors import safe_open

    from gankit.errors import GankitError
    from gankit.train.checkpoint import load_weights

    path = Path(path)
    if not path.is_file():
        raise GankitError(f"fmnist classifier weights not found at {path}; train them with "
                          "python -m gankit.metrics.train_fmnist_classifier")
    net = FashionClassifier()
    load_weights(net, path)
    with safe_open(str(path), framework="pt") as handle:
        metadata = dict(handle.metadata() or {})
    return net.eval().requires_grad_(False), metadata
