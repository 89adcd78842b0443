"""Turn a DataConfig into a source of real samples and a deterministic stream of batches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from gankit.config import DataConfig
from gankit.data.cifar import load_cifar10
from gankit.data.folder import ImageFolder
from gankit.data.mnist import IDX_DATASETS, load_idx_split
from gankit.data.toy import TOY_MIXTURES, sample_mixture
from gankit.errors import GankitError


@dataclass
class Source:
    """Real samples: in memory (`tensors`) or read lazily (`dataset`)."""

    name: str
    kind: str  # "image" (C, H, W in [-1, 1]) or "points" (2-D)
    shape: tuple[int, ...]
    tensors: torch.Tensor | None = None
    labels: torch.Tensor | None = None
    dataset: torch.utils.data.Dataset | None = None

    def __len__(self) -> int:
        return len(self.tensors) if self.tensors is not None else len(self.dataset)


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


def data_shape(cfg: DataConfig) -> tuple[int, ...]:
    """The shape of one sample, known without reading the data."""
    if cfg.dataset in TOY_MIXTURES:
        return (2,)
    default_channels = 1 if cfg.dataset in IDX_DATASETS else 3
    return (cfg.channels or default_channels, cfg.image_size, cfg.image_size)


def build_source(cfg: DataConfig, seed: int = 0) -> Source:
    """Load or index the dataset named in the config."""
    if cfg.dataset in IDX_DATASETS or cfg.dataset == "cifar10":
        if cfg.dataset == "cifar10":
            images, labels = load_cifar10(cfg.split, cfg.root)
        else:
            images, labels = load_idx_split(cfg.dataset, cfg.split, cfg.root)
        x = images_to_tensor(images, cfg.image_size, cfg.channels)
        return Source(cfg.dataset, "image", tuple(x.shape[1:]), x, torch.from_numpy(labels))
    if cfg.dataset == "folder":
        if not cfg.root:
            raise GankitError("data.root: the folder dataset needs a directory (--data-dir DIR)")
        folder = ImageFolder(cfg.root, cfg.image_size, cfg.channels or 3)
        shape = (folder.channels, cfg.image_size, cfg.image_size)
        return Source(f"folder:{cfg.root}", "image", shape, dataset=folder)
    if cfg.dataset in TOY_MIXTURES:
        points = sample_mixture(cfg.dataset, cfg.toy_samples, seed)
        return Source(cfg.dataset, "points", (2,), points)
    raise GankitError(f"data.dataset: unknown dataset '{cfg.dataset}'")


class BatchStream:
    """Batches in a fixed order derived from (seed, draw index): draw k is the same batch
    whether the run got there in one go or after a resume. Each epoch is a fresh
    permutation of the data; the last partial batch of an epoch is dropped.

    `batch_size` is the batch over all ranks. Under torchrun each rank takes its share
    through PyTorch's DistributedSampler (set to the epoch, so shuffling changes per epoch),
    and the ranks' shares of draw k together are exactly the batch a single process draws."""

    def __init__(self, source: Source, batch_size: int, seed: int, num_workers: int = 0,
                 rank: int = 0, world_size: int = 1, pin_memory: bool = False) -> None:
        self.source, self.seed = source, seed
        self.num_workers, self.pin_memory = num_workers, pin_memory
        self.rank_batch = batch_size // world_size
        self.sampler = torch.utils.data.DistributedSampler(
            range(len(source)), num_replicas=world_size, rank=rank, shuffle=True,
            seed=seed * 1_000_003, drop_last=True)
        self.batches_per_epoch = len(source) // (self.rank_batch * world_size)
        if self.batches_per_epoch == 0:
            raise GankitError(
                f"{source.name} has {len(source)} samples, fewer than the batch size {batch_size}"
            )
        self._epoch, self._perm = -1, torch.empty(0, dtype=torch.long)

    def indices(self, draw: int) -> torch.Tensor:
        """Dataset indices of this rank's part of the `draw`-th batch."""
        epoch, position = divmod(draw, self.batches_per_epoch)
        if epoch != self._epoch:
            self.sampler.set_epoch(epoch)
            perm = torch.tensor(list(self.sampler), dtype=torch.long)
            if self.source.tensors is not None:  # index on the data's device (no per-batch copy)
                perm = perm.to(self.source.tensors.device)
            self._epoch, self._perm = epoch, perm
        return self._perm[position * self.rank_batch : (position + 1) * self.rank_batch]

    def iterate(self, start_draw: int = 0, with_labels: bool = False) -> Iterator:
        """Batches from draw `start_draw` on, forever: images, or (images, labels) pairs."""
        if with_labels and self.source.labels is None:
            raise GankitError(f"{self.source.name} has no labels, which this recipe needs")
        if self.source.tensors is not None:
            draw = start_draw
            while True:
                idx = self.indices(draw)
                yield (self.source.tensors[idx], self.source.labels[idx]) if with_labels \
                    else self.source.tensors[idx]
                draw += 1
        else:
            loader = torch.utils.data.DataLoader(
                self.source.dataset,
                batch_sampler=_DrawSampler(self, start_draw),
                num_workers=self.num_workers,
                pin_memory=self.pin_memory,
            )
            yield from loader


class _DrawSampler(torch.utils.data.Sampler):
    def __init__(self, stream: BatchStream, start_draw: int) -> None:
        self.stream, self.start_draw = stream, start_draw

    def __iter__(self) -> Iterator[list[int]]:
        draw = self.start_draw
        while True:
            yield self.stream.indices(draw).tolist()
            draw += 1
