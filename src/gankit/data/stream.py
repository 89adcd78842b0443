"""Deterministic batch streams: draw k is the same batch whether a run got there in one go
or after a resume; streams of several sources compose by field."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch

from gankit.data.batch import Batch
from gankit.data.source import Source
from gankit.data.transforms import example_generator
from gankit.errors import GankitError

TRANSFORM_SEED = 0x7A5F0A11  # transforms draw from (seed + this, draw, index)


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
        transform = source.transform
        self.transform = transform if transform is not None and transform.random else None
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

    def transformed(self, item: dict[str, torch.Tensor], draw: int, index: int) -> dict[str, torch.Tensor]:
        """One example after the source's transform, as drawn `draw` (seeded by the index in
        the dataset, so the rank that draws it does not matter)."""
        rng = example_generator(self.seed + TRANSFORM_SEED, draw, index)
        return self.transform(item, rng)

    def iterate(self, start_draw: int = 0) -> Iterator[Batch]:
        """Batches from draw `start_draw` on, forever."""
        if self.source.fields is not None:
            draw = start_draw
            while True:
                idx = self.indices(draw)
                batch = {k: self.source.fields[k][idx] for k in self.fields}
                if self.transform is not None:
                    items = [self.transformed({k: v[i] for k, v in batch.items()}, draw, int(j))
                             for i, j in enumerate(idx.tolist())]
                    batch = {k: torch.stack([item[k] for item in items]) for k in batch}
                yield self._named(batch)
                draw += 1
        else:
            keyed = self.transform is not None
            # a generator of its own: a DataLoader draws its workers' base seed when its
            # iterator starts, which would shift the global RNG of a resumed run by one draw
            loader = torch.utils.data.DataLoader(
                _Transformed(self) if keyed else self.source.dataset,
                batch_sampler=_DrawSampler(self, start_draw, keyed),
                num_workers=self.num_workers,
                pin_memory=self.pin_memory,
                generator=torch.Generator().manual_seed(self.seed * 7 + start_draw),
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
    """Each draw's dataset indices (with `keyed`: (draw, index) pairs, for transforms)."""

    def __init__(self, stream: BatchStream, start_draw: int, keyed: bool = False) -> None:
        self.stream, self.start_draw, self.keyed = stream, start_draw, keyed

    def __iter__(self) -> Iterator[list]:
        draw = self.start_draw
        while True:
            indices = self.stream.indices(draw).tolist()
            yield [(draw, i) for i in indices] if self.keyed else indices
            draw += 1


class _Transformed(torch.utils.data.Dataset):
    """A lazy source's dataset whose items are transformed as drawn: keys are (draw, index)."""

    def __init__(self, stream: BatchStream) -> None:
        self.stream = stream

    def __len__(self) -> int:
        return len(self.stream.source.dataset)

    def __getitem__(self, key: tuple[int, int]) -> dict[str, torch.Tensor]:
        draw, index = key
        return self.stream.transformed(self.stream.source.dataset[index], draw, index)
