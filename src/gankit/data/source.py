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
from gankit.data.transforms import PairedTransform
from gankit.errors import GankitError

LABELLED_DATASETS = {"fashion-mnist": 10, "mnist": 10, "cifar10": 10}  # classes of each


@dataclass
class Source:
    """Real examples: in memory (`fields`, each (N, ...)), read lazily (`dataset`, whose
    items are dicts of the same fields), or `parts` drawn independently (unpaired domains).
    `transform` (seeded per example by the stream) is applied to every drawn example."""

    name: str
    spec: DataSpec
    fields: dict[str, torch.Tensor] | None = None
    dataset: torch.utils.data.Dataset | None = None
    transform: PairedTransform | None = None
    parts: dict[str, Source] | None = None

    def __len__(self) -> int:
        if self.parts is not None:
            return max(len(p) for p in self.parts.values())
        return len(next(iter(self.fields.values()))) if self.fields is not None else len(self.dataset)

    @property
    def in_memory(self) -> bool:
        return self.fields is not None

    def to(self, device: torch.device) -> Source:
        """Move in-memory fields to `device` (in place); lazy sources stay as they are."""
        if self.fields is not None:
            self.fields = {k: v.to(device) for k, v in self.fields.items()}
        for part in (self.parts or {}).values():
            part.to(device)
        return self

    def subset(self, indices: torch.Tensor, name: str) -> Source:
        """The examples at `indices` as an in-memory source of their own."""
        if self.fields is None:
            raise GankitError(f"{self.name}: a subset needs the data in memory")
        fields = {k: v[indices.to(v.device)] for k, v in self.fields.items()}
        return Source(name, replace(self.spec, length=len(indices)), fields)

    def item(self, index: int) -> dict[str, torch.Tensor]:
        """Example `index`, every field, with the transform's deterministic part only."""
        item = ({k: v[index] for k, v in self.fields.items()} if self.fields is not None
                else self.dataset[index])
        return self.transform(item, None) if self.transform is not None else item

    def first(self, n: int) -> Batch:
        """The first `n` examples (fewer if the source is shorter), every field."""
        if self.parts is not None:
            n = min([n] + [len(p) for p in self.parts.values()])
            return {k: v for p in self.parts.values() for k, v in p.first(n).items()}
        n = min(n, len(self))
        if self.fields is not None and self.transform is None:
            return {k: v[:n] for k, v in self.fields.items()}
        items = [self.item(i) for i in range(n)]
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
    """What the configured dataset holds, known without reading it (length None; folder
    datasets with data.channels = 0 look at one file for their channel count)."""
    if cfg.dataset in TRANSLATION_DATASETS:
        return translation_spec(cfg)
    if cfg.dataset in TOY_MIXTURES:
        return DataSpec("points", {"image": (2,)})
    default_channels = 1 if cfg.dataset in IDX_DATASETS else 3
    shape = (cfg.channels or default_channels, cfg.image_size, cfg.image_size)
    classes = LABELLED_DATASETS.get(cfg.dataset)
    shapes = {"image": shape, **({"label": ()} if classes else {})}
    return DataSpec("images", shapes, num_classes=classes)


def build_source(cfg: DataConfig, seed: int = 0, split: str | None = None) -> Source:
    """Load or index the dataset named in the config (its `split`, default data.split; the
    training split cut to data.subset examples when set)."""
    if split is not None:
        cfg = replace(cfg, split=split)
    source = _build_source(cfg, seed)
    if cfg.subset and cfg.split == "train":
        return limited(source, cfg.subset, cfg.subset_seed)
    return source


def limited(source: Source, n: int, seed: int) -> Source:
    """A random subset of `n` examples of an in-memory source, fixed by `seed`."""
    if source.fields is None:
        raise GankitError(f"data.subset needs a dataset held in memory; {source.name} is read from files "
                          "(copy the images you want into a folder instead)")
    if n > len(source):
        raise GankitError(f"data.subset = {n} is more than the {len(source)} training examples of "
                          f"{source.name}")
    chosen = torch.randperm(len(source), generator=torch.Generator().manual_seed(seed))[:n].sort().values
    return source.subset(chosen, f"{source.name} ({n} of {len(source)}, subset seed {seed})")


def _build_source(cfg: DataConfig, seed: int) -> Source:
    if cfg.dataset in TRANSLATION_DATASETS:
        return build_translation_source(cfg)
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
        folder = ImageFolder(cfg.root, cfg.image_size, cfg.channels or 3, cfg.split, cfg.held_out)
        return Source(f"folder:{cfg.root}", replace(spec, length=len(folder)), dataset=folder)
    if cfg.dataset in TOY_MIXTURES:
        points = sample_mixture(cfg.dataset, cfg.toy_samples, seed)
        return Source(cfg.dataset, replace(spec, length=len(points)), {"image": points})
    raise GankitError(f"data.dataset: unknown dataset '{cfg.dataset}'")


def held_out_source(cfg: DataConfig) -> Source | None:
    """The held-out examples of a translation dataset (data.test_split), for progress
    pictures and evaluation; None for other datasets or when there is no such split."""
    if cfg.dataset not in TRANSLATION_DATASETS:
        return None
    try:
        return build_source(cfg, split=cfg.test_split)
    except GankitError:
        return None


from gankit.data.translation import (  # noqa: E402 (they build on Source above)
    TRANSLATION_DATASETS,
    build_translation_source,
    translation_spec,
)
