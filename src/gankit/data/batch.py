"""What a batch is (named fields) and how a data source describes itself."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

# A batch maps field names to tensors with the batch along the first axis:
#   generation:      image (a C×H×W image, or a 2-D point), optionally label
#   semi-supervised: image, labelled_image, labelled_label
#   translation:     A, B, optionally style
Batch = dict[str, torch.Tensor]

KINDS = ("points", "images", "paired", "unpaired")


@dataclass(frozen=True)
class DataSpec:
    """A data source's description: its kind, the shape of one example of each field, its
    classes or styles, and its length (None when known only after reading it)."""

    kind: str
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    num_classes: int | None = None
    num_styles: int | None = None
    length: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown data kind {self.kind!r}")  # a bug, not user input

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """The shape of one generated example (the `image` field)."""
        return self.shapes["image"]
