"""The labelled subset of a semi-supervised run: balanced over classes, seeded."""

from __future__ import annotations

import numpy as np
import torch

from gankit.errors import GankitError


def labelled_subset(labels: torch.Tensor, per_class: int, num_classes: int, seed: int) -> torch.Tensor:
    """Sorted indices of `per_class` examples of each class, drawn with `seed`."""
    labels_np = labels.cpu().numpy()
    rng = np.random.default_rng(seed)
    picked = []
    for c in range(num_classes):
        members = np.flatnonzero(labels_np == c)
        if len(members) < per_class:
            raise GankitError(f"data.labels_per_class = {per_class}, but class {c} has only "
                              f"{len(members)} training images")
        picked.append(rng.choice(members, per_class, replace=False))
    found = int(labels_np.max()) + 1 if len(labels_np) else 0
    if found > num_classes:
        raise GankitError(f"model.num_classes = {num_classes}, but the labels go up to {found - 1}")
    return torch.from_numpy(np.sort(np.concatenate(picked)))
