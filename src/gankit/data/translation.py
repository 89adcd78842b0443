"""Sources of the translation datasets: paired folders (A|B images or A/ B/ folders) and
unpaired domain folders, with their seeded jitter/flip transforms on the training split."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from gankit.config import DataConfig
from gankit.data.batch import DataSpec
from gankit.data.folder import list_images, native_channels
from gankit.data.paired import PairedFolder
from gankit.data.source import Source
from gankit.data.transforms import PairedTransform
from gankit.data.unpaired import DomainFolder, domain_dirs
from gankit.errors import GankitError

TRANSLATION_DATASETS = ("paired", "unpaired", "glyphs", "edges", "classes", "superres")


def _root(cfg: DataConfig) -> Path:
    if not cfg.root:
        raise GankitError(f"data.root: the {cfg.dataset} dataset needs a directory (--data-dir DIR)")
    return Path(cfg.root)


def _load_size(cfg: DataConfig) -> int:
    return max(cfg.load_size, cfg.image_size)


def _transform(cfg: DataConfig) -> PairedTransform:
    """Jitter and flip on the training split; the held-out split is only resized."""
    train = cfg.split != cfg.test_split
    return PairedTransform(cfg.image_size, cfg.load_size if train else 0, cfg.flip and train)


def _paired(cfg: DataConfig, size: int, check: bool = True) -> PairedFolder:
    return PairedFolder(_root(cfg), cfg.split, size, cfg.channels, cfg.layout, cfg.direction,
                        cfg.held_out, check)


def _domains(cfg: DataConfig) -> tuple[Path, Path, bool]:
    return domain_dirs(_root(cfg), cfg.split)


def translation_spec(cfg: DataConfig) -> DataSpec:
    if cfg.dataset == "glyphs":
        from gankit.data.glyph_source import glyph_spec

        return glyph_spec(cfg)
    if cfg.dataset == "edges":
        from gankit.data.edge_source import edge_spec

        return edge_spec(cfg)
    if cfg.dataset == "classes":
        from gankit.data.class_domains import class_domain_spec

        return class_domain_spec(cfg)
    if cfg.dataset == "superres":
        from gankit.data.superres import superres_spec

        return superres_spec(cfg)
    size = cfg.image_size
    if not cfg.root or not Path(cfg.root).is_dir():  # before its data is there: the shapes it will have
        shape = (cfg.channels or 3, size, size)
        return DataSpec(cfg.dataset, {"A": shape, "B": shape})
    if cfg.dataset == "paired":
        folder = _paired(cfg, size, check=False)
        shape = (folder.channels, size, size)
        return DataSpec("paired", {"A": shape, "B": shape})
    dir_a, dir_b, _ = _domains(cfg)
    shapes = {name: (cfg.channels or native_channels(list_images(d)[0]), size, size)
              for name, d in (("A", dir_a), ("B", dir_b))}
    return DataSpec("unpaired", shapes)


def build_translation_source(cfg: DataConfig) -> Source:
    if cfg.dataset == "glyphs":
        from gankit.data.glyph_source import build_glyph_source

        return build_glyph_source(cfg)
    if cfg.dataset == "edges":
        from gankit.data.edge_source import build_edge_source

        return build_edge_source(cfg)
    if cfg.dataset == "classes":
        from gankit.data.class_domains import build_class_domains

        return build_class_domains(cfg)
    if cfg.dataset == "superres":
        from gankit.data.superres import build_superres_source

        return build_superres_source(cfg)
    transform = _transform(cfg)
    if cfg.dataset == "paired":
        folder = _paired(cfg, _load_size(cfg) if transform.random else cfg.image_size)
        shape = (folder.channels, cfg.image_size, cfg.image_size)
        spec = DataSpec("paired", {"A": shape, "B": shape}, length=len(folder))
        return Source(f"paired:{cfg.root} {cfg.split}", spec, dataset=folder, transform=transform)
    dir_a, dir_b, split_dirs = _domains(cfg)
    parts = {}
    for name, folder_dir in (("A", dir_a), ("B", dir_b)):
        channels = cfg.channels or native_channels(list_images(folder_dir)[0])
        folder = DomainFolder(folder_dir, _load_size(cfg) if transform.random else cfg.image_size,
                              channels, name, None if split_dirs else cfg.split, cfg.held_out)
        shape = (channels, cfg.image_size, cfg.image_size)
        parts[name] = Source(f"{folder_dir}", DataSpec("images", {name: shape}, length=len(folder)),
                             dataset=folder, transform=transform)
    shapes = {k: v for p in parts.values() for k, v in p.spec.shapes.items()}
    spec = DataSpec("unpaired", shapes, length=max(len(p) for p in parts.values()))
    return Source(f"unpaired:{cfg.root} {cfg.split}", replace(spec), parts=parts)
