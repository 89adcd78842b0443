"""Unpaired domains made of two classes of a labelled dataset (Fashion-MNIST sneaker 7 <->
ankle boot 9): domain A holds the split's images of class data.classes.a, domain B those of
class data.classes.b, each drawn independently; the test split's classes are held out."""

from __future__ import annotations

from dataclasses import replace

from gankit.config import DataConfig
from gankit.data.batch import DataSpec
from gankit.data.source import Source
from gankit.errors import GankitError


def _base(cfg: DataConfig) -> DataConfig:
    if cfg.classes.a == cfg.classes.b:
        raise GankitError(f"data.classes: domains A and B are both class {cfg.classes.a}; choose two classes")
    return replace(cfg, dataset=cfg.classes.of)


def class_domain_spec(cfg: DataConfig) -> DataSpec:
    from gankit.data.source import data_spec

    shape = data_spec(_base(cfg)).sample_shape
    return DataSpec("unpaired", {"A": shape, "B": shape})


def build_class_domains(cfg: DataConfig) -> Source:
    """Two in-memory parts, A and B, of the split's images of the two classes."""
    from gankit.data.source import build_source

    base = build_source(_base(cfg))
    images, labels = base.fields["image"], base.fields["label"]
    parts = {}
    for name, label in (("A", cfg.classes.a), ("B", cfg.classes.b)):
        chosen = images[labels == label]
        if len(chosen) == 0:
            raise GankitError(f"data.classes.{name.lower()}: {base.name} {cfg.split} has no images of "
                              f"class {label}")
        shape = tuple(chosen.shape[1:])
        parts[name] = Source(f"{base.name} class {label}", DataSpec("images", {name: shape},
                                                                   length=len(chosen)), {name: chosen})
    spec = DataSpec("unpaired", {"A": parts["A"].spec.shapes["A"], "B": parts["B"].spec.shapes["B"]},
                    length=max(len(p) for p in parts.values()))
    return Source(f"{base.name} {cfg.split}: class {cfg.classes.a} <-> {cfg.classes.b}", spec, parts=parts)
