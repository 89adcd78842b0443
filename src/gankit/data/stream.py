"""Deterministic batch streams: draw k is the same batch whether a run got there in one go
or after a resume; streams of several sources compose by field."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch

from gankit.data.batch import Batch
from gankit.data.source import Source
from gankit.errors import GankitError


class BatchStream:
    """Batches of `fields` (renamed by `rename`) in a fixed order derived from (seed, draw).
    Each epoch is a fresh permutation of the data; the last partial batch of an epoch is
    dropped.

    `batch_size` is the batch over all ranks. Under torchrun each rank takes its share
    through PyTorch's DistributedSampler (set to the epoch, so shuffling changes per epoch),
    and the ranks' shares of draw k together are exactly the batch a single process draws."""

    def __init__(self, source: Source, batch_size: int, seed: int, num_workers: int = 0,
                 rank: int = 0, world_size: int = 1, pin_memory: bool = False,
                 fields: Sequence[str] | None = None, rename: dict[str, str] | None = None) -> None:
        self.source, self.seed = source, seed
        self.num_workers, self.pin_memory = num_workers, pin_memory
        available = set(source.spec.shapes)
        self.fields = tuple(fields) if fields is not None else tuple(source.spec.shapes)
        missing = [f for f in self.fields if f not in available]
        if missing:
            raise GankitError(f"{source.name} has no '{missing[0]}' field, which this recipe needs "
                              f"(it has {', '.join(sorted(available))})")
        self.rename = rename or {}
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
            if self.source.fields is not None:  # index on the data's device (no per-batch copy)
                perm = perm.to(next(iter(self.source.fields.values())).device)
            self._epoch, self._perm = epoch, perm
        return self._perm[position * self.rank_batch : (position + 1) * self.rank_batch]

    def _named(self, batch: Batch) -> Batch:
        return {self.rename.get(k, k): batch[k] for k in self.fields}

    def iterate(self, start_draw: int = 0) -> Iterator[Batch]:
        """Batches from draw `start_draw` on, forever."""
        if self.source.fields is not None:
            draw = start_draw
            while True:
                idx = self.indices(draw)
                yield self._named({k: self.source.fields[k][idx] for k in self.fields})
                draw += 1
        else:
            loader = torch.utils.data.DataLoader(
                self.source.dataset,
                batch_sampler=_DrawSampler(self, start_draw),
                num_workers=self.num_workers,
                pin_memory=self.pin_memory,
            )
            for batch in loader:
                yield self._named(batch)


class ZipStream:
    """Several streams drawn at the same draw index, their batches merged by field."""

    def __init__(self, streams: Sequence[BatchStream]) -> None:
        names = [name for s in streams for name in (s.rename.get(f, f) for f in s.fields)]
        if len(names) != len(set(names)):
            raise ValueError(f"streams share field names: {names}")  # a bug, not user input
        self.streams = list(streams)

    def iterate(self, start_draw: int = 0) -> Iterator[Batch]:
        for parts in zip(*(s.iterate(start_draw) for s in self.streams), strict=True):
            yield {k: v for part in parts for k, v in part.items()}


class _DrawSampler(torch.utils.data.Sampler):
    def __init__(self, stream: BatchStream, start_draw: int) -> None:
        self.stream, self.start_draw = stream, start_draw

    def __iter__(self) -> Iterator[list[int]]:
        draw = self.start_draw
        while True:
            yield self.stream.indices(draw).tolist()
            draw += 1
