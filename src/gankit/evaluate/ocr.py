"""The OCR-data use, measured: a small character classifier trained on glyphs of real fonts,
with or without glyphs a translator generated in new styles, and tested on the real glyphs of
fonts neither it nor the translator saw. Characters come from the test split of the
character split (the translator never saw them in any target font)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gankit.errors import GankitError

SIZE = 32  # the classifier reads 32x32 glyphs


class GlyphClassifier(nn.Module):
    """32x32 grayscale glyph in [-1, 1] -> logits over `classes` characters."""

    def __init__(self, classes: int, width: int = 32) -> None:
        super().__init__()

        def block(c_in: int, c_out: int) -> list[nn.Module]:
            return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
                    nn.MaxPool2d(2)]

        self.body = nn.Sequential(*block(1, width), *block(width, 2 * width), *block(2 * width, 4 * width),
                                  nn.Flatten(), nn.Dropout(0.3), nn.Linear(4 * width * 16, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


def to_input(images: np.ndarray | torch.Tensor) -> torch.Tensor:
    """uint8 (N, S, S) or float (N, 1, S, S) in [-1, 1] -> float (N, 1, 32, 32) in [-1, 1]."""
    x = torch.as_tensor(images)
    if x.dtype == torch.uint8:
        x = x.float().div(127.5).sub(1.0)
    if x.ndim == 3:
        x = x[:, None]
    if x.shape[-1] != SIZE:
        x = F.interpolate(x.float(), size=(SIZE, SIZE), mode="bilinear", antialias=True, align_corners=False)
    return x.clamp(-1, 1)


def _shift(x: torch.Tensor, rng: torch.Generator, pixels: int = 2) -> torch.Tensor:
    """Random translations of up to `pixels` (white padding): a little robustness to placement."""
    padded = F.pad(x, (pixels,) * 4, value=1.0)
    n = len(x)
    dy = torch.randint(0, 2 * pixels + 1, (n,), generator=rng)
    dx = torch.randint(0, 2 * pixels + 1, (n,), generator=rng)
    return torch.stack([padded[i, :, dy[i]:dy[i] + SIZE, dx[i]:dx[i] + SIZE] for i in range(n)])


@dataclass
class ClassifierResult:
    accuracy: float
    train_images: int
    epochs: int


def fit_classifier(train_x: torch.Tensor, train_y: torch.Tensor, classes: int, seed: int,
                   epochs: int = 30, batch_size: int = 128) -> GlyphClassifier:
    """A fresh GlyphClassifier trained on (train_x, train_y) (Adam 1e-3, random shifts), in eval mode."""
    if len(train_x) == 0:
        raise GankitError("no training glyphs")
    torch.manual_seed(seed)
    rng = torch.Generator().manual_seed(seed)
    net = GlyphClassifier(classes)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(epochs):
        net.train()
        order = torch.randperm(len(train_x), generator=rng)
        for i in range(0, len(order), batch_size):
            idx = order[i:i + batch_size]
            loss = F.cross_entropy(net(_shift(train_x[idx], rng)), train_y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return net.eval()


@torch.no_grad()
def predict(net: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The class a classifier names for each glyph (N, 1, 32, 32)."""
    return torch.cat([net(x[i:i + 512]).argmax(1) for i in range(0, len(x), 512)])


def train_and_test(train_x: torch.Tensor, train_y: torch.Tensor, test_x: torch.Tensor, test_y: torch.Tensor,
                   classes: int, seed: int, epochs: int = 30, batch_size: int = 128) -> ClassifierResult:
    """Train a fresh GlyphClassifier and return its test accuracy."""
    net = fit_classifier(train_x, train_y, classes, seed, epochs, batch_size)
    return ClassifierResult(float((predict(net, test_x) == test_y).float().mean()), len(train_x), epochs)
