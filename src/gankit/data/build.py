"""From a config and a recipe's fields to the stream of training batches."""

from __future__ import annotations

from collections.abc import Sequence

from gankit.config import DataConfig
from gankit.data.labelled import labelled_subset
from gankit.data.source import Source
from gankit.data.stream import BatchStream, ZipStream
from gankit.errors import GankitError
from gankit.runtime.distributed import World

LABELLED_PREFIX = "labelled_"  # fields drawn from the labelled subset (semi-supervised recipes)
LABELLED_SEED_OFFSET = 7


def build_stream(data: DataConfig, source: Source, fields: Sequence[str], batch_size: int,
                 seed: int, world: World, pin_memory: bool = False) -> BatchStream | ZipStream:
    """The stream of `fields` a recipe asked for. Fields named `labelled_*` come from a
    balanced subset of `data.labels_per_class` labelled examples per class (drawn with
    `seed`), streamed beside the whole training set at the same draw index."""
    if source.parts is not None:  # unpaired domains: each its own permutation of its own length
        streams = [BatchStream(part, batch_size, seed + i, data.num_workers, world.rank, world.size,
                               pin_memory, fields=[f for f in fields if f in part.spec.shapes])
                   for i, part in enumerate(source.parts.values())]
        return ZipStream([s for s in streams if s.fields])
    plain = [f for f in fields if not f.startswith(LABELLED_PREFIX)]
    labelled = [f for f in fields if f.startswith(LABELLED_PREFIX)]
    main = BatchStream(source, batch_size, seed, data.num_workers, world.rank, world.size,
                       pin_memory, fields=plain)
    if not labelled:
        return main
    if "label" not in source.spec.shapes or not source.in_memory:
        raise GankitError(f"{source.name} has no labels held in memory, which the labelled "
                          "batches of this recipe need")
    idx = labelled_subset(source.fields["label"], data.labels_per_class,
                          source.spec.num_classes, seed)
    subset = source.subset(idx, f"{source.name} labelled")
    size = min(batch_size, len(subset) // world.size * world.size)
    names = [f.removeprefix(LABELLED_PREFIX) for f in labelled]
    side = BatchStream(subset, size, seed + LABELLED_SEED_OFFSET, rank=world.rank,
                       world_size=world.size, fields=names,
                       rename={n: LABELLED_PREFIX + n for n in names})
    return ZipStream([main, side])
