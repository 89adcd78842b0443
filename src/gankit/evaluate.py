"""Evaluating generators: toy mode coverage, and image metrics (FID, KID, IS, PR, DC)
against a reference split; every result is appended to RUN/eval.jsonl with its protocol."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from gankit.config import DataConfig
from gankit.data.toy import TOY_MIXTURES
from gankit.errors import GankitError
from gankit.metrics import ToyModeReport, toy_mode_report
from gankit.runtime.distributed import current_world, gather_rows, shard
from gankit.sampling import generate, grid_labels, latents

TOY_EVAL_SAMPLES = 2500  # the PacGAN protocol
IMAGE_EVAL_SAMPLES = 10_000
NATIVE_SIZE = {"fashion-mnist": 28, "mnist": 28, "cifar10": 32}


def evaluate_toy(generator: nn.Module, mixture: str, n: int = TOY_EVAL_SAMPLES,
                 seed: int = 0) -> tuple[ToyModeReport, torch.Tensor]:
    """Mode-coverage report of `n` samples (seeded) and the samples themselves."""
    points = generate(generator, latents(n, generator.latent_dim, seed))
    return toy_mode_report(points, mixture), points


def record(run_dir: Path, step: int, values: dict) -> None:
    """Append one evaluation as a JSON line to RUN/eval.jsonl."""
    with open(Path(run_dir) / "eval.jsonl", "a") as handle:
        handle.write(json.dumps({"step": step, **values}) + "\n")


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


def reference_images(data: DataConfig, n: int, split: str, seed: int = 0) -> tuple[np.ndarray, str]:
    """Up to `n` real images (uint8 NCHW) of `split`, shaped as the run's training data
    (same size, channels and resize), a seeded subset when the split is larger."""
    from gankit.data import build_source
    from gankit.images import to_uint8

    if data.dataset == "folder":
        split = "folder"
        source = build_source(data)
        picked = _subset(len(source), n, seed)
        images = torch.stack([source.dataset[int(i)]["image"] for i in picked])
    else:
        source = build_source(dataclasses.replace(data, split=split))
        picked = _subset(len(source), n, seed)
        images = source.fields["image"][torch.from_numpy(picked)]
    uint8 = to_uint8(images).transpose(0, 3, 1, 2)
    return np.ascontiguousarray(uint8), f"{source.name} {split} ({len(uint8)} of {len(source)})"


def _subset(total: int, n: int, seed: int) -> np.ndarray:
    if n >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).choice(total, n, replace=False))


def evaluate_generator(generator: nn.Module, data: DataConfig, opts: ImageEvalOptions) -> dict[str, Any]:
    """Image metrics of `opts.n` seeded samples of `generator` against the reference split.
    Under torchrun every rank embeds its share of the samples and rank 0 gets the result
    (the same as one process would); other ranks get {}."""
    from gankit import __version__
    from gankit.images import to_uint8
    from gankit.metrics.extractors import Features
    from gankit.metrics.reference import import_statistics, reference_features
    from gankit.metrics.suite import METRICS, compute, parse_metrics
    if opts.n < 2:
        raise GankitError(f"--n must be at least 2 for image metrics, got {opts.n}")
    extract = make_extractor(opts, data.dataset)
    names = parse_metrics(opts.metrics) if opts.metrics else [
        m for m in METRICS if m != "is" or extract.has_logits]
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
    result = compute(names, real, fake, real_stats, opts.seed)
    if labels is not None and extract.name == "fmnist":
        # conditional samples judged by the Fashion-MNIST classifier: are they of the class asked?
        result["class_accuracy"] = float((fake.logits.argmax(1) == labels.numpy()).mean())
    return {"metric": "images", **{k: v for k, v in result.items() if k != "warnings"},
            "features": extract.name, "protocol": extract.protocol, "reference": reference,
            "n_real": len(real.features) if real is not None else None, "n_fake": opts.n,
            "seed": opts.seed, "gankit": __version__, "warnings": result["warnings"]}


def evaluate_run(run_dir: str | Path, n: int | None = None, seed: int = 0,
                 image_opts: ImageEvalOptions | None = None, ema: bool = True,
                 rejection: float | None = None) -> dict[str, Any]:
    """Evaluate a run's latest generator (EMA when present) and record the result. Toy runs
    with `rejection` (a quantile) are measured on samples kept by D's rejection sampling."""
    from gankit.runs import load_generator, load_run_config
    from gankit.train.checkpoint import latest_checkpoint, load_state

    cfg = load_run_config(run_dir)
    if rejection is not None and cfg.data.dataset not in TOY_MIXTURES:
        raise GankitError("--rejection is for 2-D toy runs")
    generator = load_generator(run_dir, ema=ema)
    step = int(load_state(latest_checkpoint(Path(run_dir)))["step"])
    if cfg.recipe == "ssgan":
        result = {"metric": "ssl_accuracy", **ssl_accuracies(run_dir)}
    elif cfg.data.dataset in TOY_MIXTURES and rejection is not None:
        report, _, kept = evaluate_toy_with_rejection(run_dir, generator, cfg.data.dataset,
                                                      n or TOY_EVAL_SAMPLES, seed, rejection)
        result = {"metric": "toy_modes", **report.as_dict(), "rejection_quantile": rejection,
                  "acceptance": kept}
    elif cfg.data.dataset in TOY_MIXTURES:
        report, _ = evaluate_toy(generator, cfg.data.dataset, n or TOY_EVAL_SAMPLES, seed)
        result = {"metric": "toy_modes", **report.as_dict()}
    else:
        opts = image_opts or ImageEvalOptions()
        opts = dataclasses.replace(opts, n=n or opts.n, seed=seed)
        result = evaluate_generator(generator, cfg.data, opts)
    if not current_world().is_main:
        return {}
    record(Path(run_dir), step, result)
    return {"step": step, **result}


def evaluate_toy_with_rejection(run_dir: str | Path, generator: nn.Module, mixture: str,
                                n: int = TOY_EVAL_SAMPLES, seed: int = 0, quantile: float = 0.5
                                ) -> tuple[ToyModeReport, torch.Tensor, float]:
    """Mode coverage of the samples the run's D keeps under rejection sampling: the report,
    the points and the fraction of G's samples kept."""
    from gankit.rejection import rejection_sample_run

    points, kept = rejection_sample_run(run_dir, generator, n, seed, quantile)
    return toy_mode_report(points, mixture), points, kept


def describe(result: dict[str, Any]) -> str:
    """The text `gankit eval` prints for a result of `evaluate_run` or `evaluate_real_vs_real`."""
    from gankit.metrics.suite import table

    if result["metric"] == "ssl_accuracy":
        return (f"test accuracy ({result['test_images']} images, {result['labels_per_class']} "
                f"labels per class): semi-supervised GAN {result['accuracy']:.4f}, supervised "
                f"only {result['baseline_accuracy']:.4f}")
    if result["metric"] == "toy_modes":
        fields = {k: result[k] for k in ToyModeReport.__dataclass_fields__ if k in result}
        line = ToyModeReport(**fields).line()
        if "rejection_quantile" in result:
            line += (f"; after D's rejection sampling at quantile {result['rejection_quantile']} "
                     f"(kept {100 * result['acceptance']:.1f}% of G's samples)")
        return line
    protocol = result["protocol"]
    return (f"{result['n_fake']} samples vs {result['reference']}; features: {result['features']} "
            f"(weights sha256 {protocol['weights_sha256'][:12]}, resize {protocol['resize']})\n"
            + table(result))


def evaluate_real_vs_real(dataset: str, opts: ImageEvalOptions, image_size: int | None = None,
                          root: str = "") -> dict[str, Any]:
    """The metrics of real training images against the reference split: the floor a
    perfect generator would reach with the same sample counts."""
    from gankit import __version__
    from gankit.metrics.reference import reference_features
    from gankit.metrics.suite import METRICS, compute, parse_metrics

    if dataset not in NATIVE_SIZE:
        raise GankitError(f"--real-vs-real needs a dataset with train and test splits "
                          f"({', '.join(NATIVE_SIZE)}), got {dataset!r}")
    data = DataConfig(dataset=dataset, root=root, image_size=image_size or NATIVE_SIZE[dataset])
    extract = make_extractor(opts, dataset)
    names = parse_metrics(opts.metrics) if opts.metrics else [
        m for m in METRICS if m != "is" or extract.has_logits]
    train_images, train_name = reference_images(data, opts.n, "train", seed=opts.seed + 1)
    ref_images, reference = reference_images(data, opts.n, opts.reference_split)
    fake = reference_features(train_images, extract, opts.batch_size, opts.progress, opts.use_cache)
    real = reference_features(ref_images, extract, opts.batch_size, opts.progress, opts.use_cache)
    result = compute(names, real, fake, None, opts.seed)
    return {"metric": "real_vs_real", **{k: v for k, v in result.items() if k != "warnings"},
            "features": extract.name, "protocol": extract.protocol, "reference": reference,
            "compared": train_name, "n_real": len(real.features), "n_fake": len(fake.features),
            "seed": opts.seed, "gankit": __version__, "warnings": result["warnings"]}


@torch.no_grad()
def classifier_accuracy(classifier: nn.Module, images: torch.Tensor, labels: torch.Tensor,
                        batch_size: int = 500) -> float:
    """Share of `images` (float NCHW in [-1, 1]) whose arg-max logit is their label."""
    correct = sum(int((classifier(images[i : i + batch_size]).argmax(1) == labels[i : i + batch_size]).sum())
                  for i in range(0, len(images), batch_size))
    return correct / len(images)


def ssl_accuracies(run_dir: str | Path) -> dict[str, Any]:
    """Test accuracy of a semi-supervised run's classifier and of its supervised baseline."""
    from gankit.data import build_source
    from gankit.runs import load_classifier, load_run_config

    cfg = load_run_config(run_dir)
    test = build_source(dataclasses.replace(cfg.data, split="test"))
    results = {name: classifier_accuracy(load_classifier(run_dir, baseline=name == "baseline"),
                                         test.fields["image"], test.fields["label"])
               for name in ("ssl", "baseline")}
    return {"accuracy": results["ssl"], "baseline_accuracy": results["baseline"],
            "test_images": len(test), "labels_per_class": cfg.data.labels_per_class}
