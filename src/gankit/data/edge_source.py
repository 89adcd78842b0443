"""The edges dataset as a training source: pairs (edges A, image B) of a labelled dataset's
split (or a folder's, with data.held_out), made once and cached."""

from __future__ import annotations

from dataclasses import replace

from gankit.config import DataConfig
from gankit.data.batch import DataSpec
from gankit.data.edges import CannySettings, cached_edges, check_settings
from gankit.data.source import Source
from gankit.data.transforms import PairedTransform
from gankit.errors import GankitError

EDGE_SOURCES = ("fashion-mnist", "mnist", "cifar10", "folder")


def _base(cfg: DataConfig) -> DataConfig:
    if cfg.edges.of not in EDGE_SOURCES:
        raise GankitError(f"data.edges.of: '{cfg.edges.of}' is not one of {', '.join(EDGE_SOURCES)}")
    return replace(cfg, dataset=cfg.edges.of)


def edge_spec(cfg: DataConfig) -> DataSpec:
    from gankit.data.source import data_spec

    shape = data_spec(_base(cfg)).sample_shape
    return DataSpec("paired", {"A": shape, "B": shape})


def build_edge_source(cfg: DataConfig) -> Source:
    from gankit.data.source import build_source

    settings = CannySettings(cfg.edges.sigma, cfg.edges.low, cfg.edges.high)
    check_settings(settings)
    base = build_source(_base(cfg))
    if base.fields is not None:
        images = base.fields["image"]
    else:
        import torch

        images = torch.stack([base.item(i)["image"] for i in range(len(base))])
    fields = {"A": cached_edges(images.cpu(), settings), "B": images}
    if base.fields is not None and "label" in base.fields:
        fields["label"] = base.fields["label"]
    shapes = {k: tuple(v.shape[1:]) for k, v in fields.items()}
    train = cfg.split != cfg.test_split
    transform = PairedTransform(cfg.image_size, cfg.load_size if train else 0, cfg.flip and train)
    return Source(f"edges of {base.name}", DataSpec("paired", shapes, length=len(images)), fields,
                  transform=transform if transform.random else None)
