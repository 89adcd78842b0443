"""Image metrics (FID, KID, IS, PR, DC) of a generator against a reference split, with the
protocol stamped on every result."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch
from torch import nn

from gankit.config import DataConfig
from gankit.errors import GankitError
from gankit.runtime.distributed import current_world, gather_rows, shard
from gankit.sampling import generate, grid_labels, latents

IMAGE_EVAL_SAMPLES = 10_000
NATIVE_SIZE = {"fashion-mnist": 28, "mnist": 28, "cifar10": 32}


@dataclasses.dataclass
class ImageEvalOptions:
    """What to measure and how: metric names, feature extractor, sample counts."""

    metrics: list[str] | None = None  # None: every metric the extractor supports
    features: str = "auto"  # auto | inception | fmnist
    n: int = IMAGE_EVAL_SAMPLES
    seed: int = 0
    batch_size: int = 50
    inception_weights: str | None = None
    resize: str = "tf1-bilinear"
    reference_split: str = "test"
    ref_stats: str | None = None  # a pytorch-fid .npz with mu/sigma to use for FID
    use_cache: bool = True
    progress: bool = False


def default_features(dataset: str) -> str:
    return "fmnist" if dataset == "fashion-mnist" else "inception"


def make_extractor(opts: ImageEvalOptions, dataset: str):
    from gankit.metrics import extractor

    name = default_features(dataset) if opts.features == "auto" else opts.features
    if name == "inception":
        return extractor("inception", weights=opts.inception_weights, resize=opts.resize)
    return extractor(name)


def reference_source(data: DataConfig, split: str):
    """(source, label) of the real images a run is measured against: the dataset's `split`;
    for folder datasets their held-out split (data.held_out) or, without one, the training
    images themselves, said so in the label."""
    from gankit.data import build_source

    if data.dataset == "folder":
        if data.held_out > 0:
            return build_source(data, split="test"), "held-out test split"
        return build_source(data, split="train"), "training images (no held-out split: set data.held_out)"
    return build_source(dataclasses.replace(data, split=split)), f"{split} split"


def reference_images(data: DataConfig, n: int, split: str, seed: int = 0) -> tuple[np.ndarray, str]:
    """Up to `n` real images (uint8 NCHW) of the reference, shaped as the run's training data
    (same size, channels and resize), a seeded subset when the reference is larger."""
    from gankit.images import to_uint8

    source, label = reference_source(data, split)
    picked = _subset(len(source), n, seed)
    if source.fields is not None:
        images = source.fields["image"][torch.from_numpy(picked)]
    else:
        images = torch.stack([source.item(int(i))["image"] for i in picked])
    uint8 = to_uint8(images).transpose(0, 3, 1, 2)
    return np.ascontiguousarray(uint8), f"{source.name} {label} ({len(uint8)} of {len(source)})"


def reference_count(data: DataConfig, split: str = "test") -> int:
    return len(reference_source(data, split)[0])


def _subset(total: int, n: int, seed: int) -> np.ndarray:
    if n >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).choice(total, n, replace=False))


def evaluate_generator(generator: nn.Module, data: DataConfig, opts: ImageEvalOptions) -> dict[str, Any]:
    """Image metrics of `opts.n` seeded samples of `generator` against the reference split.
    Under torchrun every rank embeds its share of the samples and rank 0 gets the result
    (the same as one process would); other ranks get {}."""
    from gankit.images import to_uint8
    from gankit.metrics.extractors import Features
    from gankit.metrics.reference import import_statistics, reference_features

    if opts.n < 2:
        raise GankitError(f"--n must be at least 2 for image metrics, got {opts.n}")
    extract = make_extractor(opts, data.dataset)
    from gankit.evaluate.sets import check_features_fit

    check_features_fit(extract.name, generator.output_shape[0], "this generator")
    names = metric_names(opts, extract)
    labels = grid_labels(generator, opts.n)  # conditional: every class equally often
    z = latents(opts.n, generator.latent_dim, opts.seed)
    world = current_world()  # under torchrun each rank makes and embeds its share
    part = shard(opts.n, world)
    fake_images = to_uint8(generate(generator, z[part], labels=None if labels is None else labels[part]))
    fake = extract.extract(fake_images, opts.batch_size, opts.progress and world.is_main)
    if world.distributed:
        fake = Features(gather_rows(fake.features),
                        None if fake.logits is None else gather_rows(fake.logits))
        if not world.is_main:
            return {}
    real, real_stats, reference = None, None, opts.ref_stats
    if opts.ref_stats:
        real_stats = import_statistics(opts.ref_stats, extract.dim)
    if not opts.ref_stats or any(m in names for m in ("kid", "pr", "dc")):
        images, reference = reference_images(data, opts.n, opts.reference_split)
        real = reference_features(images, extract, opts.batch_size, opts.progress, opts.use_cache)
    extra = {}
    if labels is not None and extract.name == "fmnist":
        # conditional samples judged by the Fashion-MNIST classifier: are they of the class asked?
        extra["class_accuracy"] = float((fake.logits.argmax(1) == labels.numpy()).mean())
    return score(names, real, fake, extract, opts, "images", reference, real_stats, **extra)


def score(names: list[str], real, fake, extract, opts: ImageEvalOptions, metric: str,
          reference: str | None, real_stats=None, **extra: Any) -> dict[str, Any]:
    """The named metrics of two feature sets, as one record stamped with its protocol."""
    from gankit import __version__
    from gankit.metrics.suite import compute

    result = compute(names, real, fake, real_stats, opts.seed)
    return {"metric": metric, **{k: v for k, v in result.items() if k != "warnings"}, **extra,
            "features": extract.name, "protocol": extract.protocol, "reference": reference,
            "n_real": len(real.features) if real is not None else None,
            "n_fake": len(fake.features), "seed": opts.seed, "gankit": __version__,
            "warnings": result["warnings"]}


def metric_names(opts: ImageEvalOptions, extract) -> list[str]:
    from gankit.metrics.suite import METRICS, parse_metrics

    return parse_metrics(opts.metrics) if opts.metrics else [
        m for m in METRICS if m != "is" or extract.has_logits]


def evaluate_real_vs_real(dataset: str, opts: ImageEvalOptions, image_size: int | None = None,
                          root: str = "") -> dict[str, Any]:
    """The metrics of real training images against the reference split: the floor a
    perfect generator would reach with the same sample counts."""
    from gankit.metrics.reference import reference_features

    if dataset not in NATIVE_SIZE:
        raise GankitError(f"--real-vs-real needs a dataset with train and test splits "
                          f"({', '.join(NATIVE_SIZE)}), got {dataset!r}")
    data = DataConfig(dataset=dataset, root=root, image_size=image_size or NATIVE_SIZE[dataset])
    extract = make_extractor(opts, dataset)
    train_images, train_name = reference_images(data, opts.n, "train", seed=opts.seed + 1)
    ref_images, reference = reference_images(data, opts.n, opts.reference_split)
    fake = reference_features(train_images, extract, opts.batch_size, opts.progress, opts.use_cache)
    real = reference_features(ref_images, extract, opts.batch_size, opts.progress, opts.use_cache)
    return score(metric_names(opts, extract), real, fake, extract, opts, "real_vs_real", reference,
                 compared=train_name)


def save_reference_statistics(out, opts: ImageEvalOptions, run=None, dataset: str | None = None,
                              image_size: int | None = None, root: str = ""):
    """Write mu/sigma (pytorch-fid format) of the reference features of a run's data, or of
    `dataset`'s reference split; returns the path written."""
    from gankit.metrics.reference import export_statistics, reference_features
    from gankit.runs import load_run_config

    if dataset:
        data = DataConfig(dataset=dataset, root=root, image_size=image_size or NATIVE_SIZE[dataset])
    else:
        data = load_run_config(run).data
    images, _ = reference_images(data, opts.n, opts.reference_split)
    feats = reference_features(images, make_extractor(opts, data.dataset), opts.batch_size,
                               opts.progress, opts.use_cache)
    return export_statistics(feats.features, out)
