"""Data sources: the real examples of a dataset, in memory or read lazily, as named fields."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F

from gankit.config import DataConfig
from gankit.data.batch import Batch, DataSpec
from gankit.data.cifar import load_cifar10
from gankit.data.folder import ImageFolder
from gankit.data.mnist import IDX_DATASETS, load_idx_split
from gankit.data.toy import TOY_MIXTURES, sample_mixture
from gankit.errors import GankitError

LABELLED_DATASETS = {"fashion-mnist": 10, "mnist": 10, "cifar10": 10}  # classes of each


@dataclass
class Source:
    """Real examples: in memory (`fields`, each (N, ...)) or read lazily (`dataset`, whose
    items are dicts of the same fields)."""

    name: str
    spec: DataSpec
    fields: dict[str, torch.Tensor] | None = None
    dataset: torch.utils.data.Dataset | None = None

    def __len__(self) -> int:
        return len(next(iter(self.fields.values()))) if self.fields is not None else len(self.dataset)

    @property
    def in_memory(self) -> bool:
        return self.fields is not None

    def to(self, device: torch.device) -> Source:
        """Move in-memory fields to `device` (in place); lazy sources stay as they are."""
        if self.fields is not None:
            self.fields = {k: v.to(device) for k, v in self.fields.items()}
        return self

    def subset(self, indices: torch.Tensor, name: str) -> Source:
        """The examples at `indices` as an in-memory source of their own."""
        if self.fields is None:
            raise GankitError(f"{self.name}: a subset needs the data in memory")
        fields = {k: v[indices.to(v.device)] for k, v in self.fields.items()}
        return Source(name, replace(self.spec, length=len(indices)), fields)

    def first(self, n: int) -> Batch:
        """The first `n` examples (fewer if the source is shorter), every field."""
        n = min(n, len(self))
        if self.fields is not None:
            return {k: v[:n] for k, v in self.fields.items()}
        items = [self.dataset[i] for i in range(n)]
        return {k: torch.stack([item[k] for item in items]) for k in items[0]}


def images_to_tensor(images: np.ndarray, size: int, channels: int) -> torch.Tensor:
    """uint8 (N, H, W) or (N, C, H, W) into float NCHW in [-1, 1] of the requested size."""
    x = torch.from_numpy(np.ascontiguousarray(images))
    if x.ndim == 3:
        x = x.unsqueeze(1)
    x = x.float().div_(127.5).sub_(1.0)
    if channels == 1 and x.shape[1] == 3:
        weights = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
        x = (x * weights).sum(1, keepdim=True)
    elif channels == 3 and x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1).contiguous()
    if x.shape[-1] != size or x.shape[-2] != size:
        x = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
        x = x.clamp_(-1.0, 1.0)
    return x


def data_spec(cfg: DataConfig) -> DataSpec:
    """What the configured dataset holds, known without reading it (length None)."""
    if cfg.dataset in TOY_MIXTURES:
        return DataSpec("points", {"image": (2,)})
    default_channels = 1 if cfg.dataset in IDX_DATASETS else 3
    shape = (cfg.channels or default_channels, cfg.image_size, cfg.image_size)
    classes = LABELLED_DATASETS.get(cfg.dataset)
    shapes = {"image": shape, **({"label": ()} if classes else {})}
    return DataSpec("images", shapes, num_classes=classes)


def build_source(cfg: DataConfig, seed: int = 0) -> Source:
    """Load or index the dataset named in the config."""
    spec = data_spec(cfg)
    if cfg.dataset in IDX_DATASETS or cfg.dataset == "cifar10":
        if cfg.dataset == "cifar10":
            images, labels = load_cifar10(cfg.split, cfg.root)
        else:
            images, labels = load_idx_split(cfg.dataset, cfg.split, cfg.root)
        x = images_to_tensor(images, cfg.image_size, cfg.channels)
        fields = {"image": x, "label": torch.from_numpy(labels)}
        return Source(cfg.dataset, replace(spec, length=len(x)), fields)
    if cfg.dataset == "folder":
        if not cfg.root:
            raise GankitError("data.root: the folder dataset needs a directory (--data-dir DIR)")
        folder = ImageFolder(cfg.root, cfg.image_size, cfg.channels or 3)
        return Source(f"folder:{cfg.root}", replace(spec, length=len(folder)), dataset=folder)
    if cfg.dataset in TOY_MIXTURES:
        points = sample_mixture(cfg.dataset, cfg.toy_samples, seed)
        return Source(cfg.dataset, replace(spec, length=len(points)), {"image": points})
    raise GankitError(f"data.dataset: unknown dataset '{cfg.dataset}'")
