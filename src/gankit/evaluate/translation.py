"""Evaluating translators on a held-out split: every registered pair metric (L1, PSNR,
SSIM) of G(A) against the true B, and the feature metrics (FID, KID) of the outputs against
the targets; stamped with the protocol, the test-time mode and the weights used."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import torch

from gankit.data.batch import Batch
from gankit.data.source import Source
from gankit.errors import GankitError
from gankit.evaluate.images import ImageEvalOptions, make_extractor, score
from gankit.evaluate.sets import check_features_fit
from gankit.images import to_uint8
from gankit.inference.translator import Translator
from gankit.metrics.registry import REGISTRY, names_needing, parse_metrics

FEATURE_DEFAULT = ("fid", "kid")
Extras = Callable[[Batch, torch.Tensor, "torch.Tensor | None"], dict]  # (inputs, outputs, targets) -> numbers


@dataclasses.dataclass
class TranslationEvalOptions(ImageEvalOptions):
    """Image options plus the pair-metric protocol of super-resolution papers."""

    y_channel: bool = False  # PSNR/SSIM on the BT.601 luma of RGB images
    border: int = 0  # pixels cropped from every side before the pair metrics
    test_mode: str | None = None  # None: the translator's own (eval or train)
    features: str = "inception"


class Identity(torch.nn.Module):
    """The copy-the-input baseline: G(a) = a."""

    def forward(self, x: torch.Tensor, *_args) -> torch.Tensor:
        return x


class Bicubic(torch.nn.Module):
    """The super-resolution baseline: bicubic upscaling by `scale`."""

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = scale
        self.anchor = torch.nn.Parameter(torch.zeros(()), requires_grad=False)  # gives a device

    def forward(self, x: torch.Tensor, *_args) -> torch.Tensor:
        return torch.nn.functional.interpolate(x.float(), scale_factor=self.scale, mode="bicubic",
                                               align_corners=False).clamp(-1, 1)


def copy_translator(source: Source) -> Translator:
    """Copy the input (same shapes) or, where the target is an integer multiple of the input's
    size, upscale it bicubically: the baseline every translator must beat."""
    shapes = source.spec.shapes
    a, b = tuple(shapes["A"]), tuple(shapes["B"])
    if a == b:
        return Translator(Identity(), a, b)
    scale = b[-1] // a[-1]
    if a[0] == b[0] and b[-1] == a[-1] * scale and b[-2] == a[-2] * scale:
        return Translator(Bicubic(scale), a, b, scale=scale)
    raise GankitError("copy-the-input needs inputs and targets of one shape (or a scale between them)")


def bicubic_baseline(scale: int, y_channel: bool, border: int) -> Extras:
    """extras: PSNR and SSIM of bicubic upscaling of the same inputs, in the same protocol."""

    def measure(inputs: Batch, outputs: torch.Tensor, targets: torch.Tensor | None) -> dict:
        if targets is None:
            return {}
        up = Bicubic(scale)(inputs["input"])
        row = {}
        for metric in ("psnr", "ssim"):
            row.update({f"bicubic_{k}": v for k, v in
                        REGISTRY[metric].compute(up, targets, y_channel, border).items()})
        return row

    return measure


def _metric_names(opts: TranslationEvalOptions) -> tuple[list[str], list[str]]:
    pairs = names_needing("pairs")
    if not opts.metrics:
        return pairs, list(FEATURE_DEFAULT)
    names = parse_metrics(opts.metrics, needs=("pairs", "features"))
    return [n for n in names if n in pairs], [n for n in names if REGISTRY[n].needs == "features"]


def held_out_sets(test: Source, n: int, source: str = "A",
                  target: str = "B") -> tuple[Batch, torch.Tensor, bool]:
    """The inputs (field `source`, with any style ids) and targets (field `target`) of at most
    `n` held-out examples, and whether they are pairs (unpaired domains: two independent sets)."""
    if test.parts is None:
        batch = test.first(n)
        return {k: v for k, v in batch.items() if k != target}, batch[target], True
    inputs = test.parts[source].first(n)
    return inputs, test.parts[target].first(n)[target], False


def evaluate_translator(translator: Translator, test: Source, opts: TranslationEvalOptions,
                        label: str = "", fields: tuple[str, str] = ("A", "B"),
                        extras: Callable[[Batch, torch.Tensor, torch.Tensor], dict] | None = None,
                        dataset: str = "translation") -> dict[str, Any]:
    """The metrics of `translator` (field fields[0] -> fields[1]) on the held-out examples of
    `test` (at most opts.n): pair metrics where the test set has pairs, feature metrics always,
    and what `extras(inputs, outputs, targets)` measures (a cycle error, a class rate, numbers
    per style; `inputs` holds the input field and any style ids); `dataset` picks
    the features of features "auto"."""
    from gankit.metrics.reference import reference_features

    source, target = fields
    inputs, targets, paired = held_out_sets(test, min(opts.n, len(test)), source, target)
    if opts.test_mode is not None:
        translator = dataclasses.replace(translator, test_mode=opts.test_mode)
    style = inputs.get("style") if translator.num_styles is not None else None
    outputs = translator.translate(inputs[source], style=style, batch_size=opts.batch_size, seed=opts.seed)
    targets = targets.float()
    pair_names, feature_names = _metric_names(opts)
    if not paired and pair_names and not feature_names:
        raise GankitError(f"{', '.join(pair_names)} compare each output with its true target, which "
                          f"unpaired test sets ({test.name}) do not have; use fid or kid")
    result: dict[str, Any] = {}
    for name in pair_names if paired else []:
        result.update(REGISTRY[name].compute(outputs, targets, opts.y_channel, opts.border))
    if extras is not None:
        result.update(extras({**inputs, "input": inputs[source]}, outputs, targets if paired else None))
    record = {"metric": "translation", **result, "test_mode": translator.test_mode,
              "n": len(outputs), "compared": label or f"{len(outputs)} translations"}
    if paired:
        record["pair_protocol"] = {"range": "[0, 1]", "y_channel": opts.y_channel, "border": opts.border,
                                   "ssim": "gaussian 11x11, sigma 1.5, population covariance"}
    else:
        record["pairs"] = f"none (unpaired test sets: {len(outputs)} inputs, {len(targets)} targets)"
    if feature_names:
        extract = make_extractor(opts, dataset)
        check_features_fit(extract.name, outputs.shape[1], "these images")
        real = reference_features(to_uint8(targets).transpose(0, 3, 1, 2), extract, opts.batch_size,
                                  opts.progress, opts.use_cache)
        fake = extract.extract(to_uint8(outputs).transpose(0, 3, 1, 2), opts.batch_size, opts.progress)
        scored = score(feature_names, real, fake, extract, opts, "translation", f"{test.name} {target}")
        record = {**scored, **record, "metric": "translation"}
    else:
        record["reference"] = f"{test.name} {target}"
    return record


def copy_baseline(data, opts: TranslationEvalOptions, fields: tuple[str, str] = ("A", "B")) -> dict[str, Any]:
    """What copying the input (bicubic upscaling where the target is larger) scores on the
    held-out split of `data` (a DataConfig) with `gankit eval`'s protocol for a run on it: the
    super-resolution crop and luma, and the target-class rate of Fashion-MNIST class domains;
    its `compared` names the baseline."""
    from gankit.data import held_out_source

    test = held_out_source(data)
    if test is None:
        raise GankitError(f"the data ({data.dataset}) has no held-out split ({data.test_split}) "
                          "to score copying on")
    baseline = copy_translator(test)
    if baseline.scale > 1:
        opts = dataclasses.replace(opts, y_channel=test.spec.shapes["B"][0] == 3, border=baseline.scale)
    extras, dataset = None, "translation"
    if data.dataset == "classes":
        extras = class_domain_rate(data.classes, fields[1])
        dataset = data.classes.of
    label = "bicubic upscaling" if baseline.scale > 1 else "copy the input"
    return evaluate_translator(baseline, test, opts, label, fields, extras, dataset)


def cycle_error(forward: Translator, backward: Translator) -> Extras:
    """extras: the mean |backward(forward(x)) - x| on the [0, 1] scale of the L1 metric."""

    def measure(inputs: Batch, outputs: torch.Tensor, targets: torch.Tensor | None) -> dict:
        back = backward.translate(outputs, batch_size=64)
        return {"cycle_l1": float((back - inputs["input"].float()).abs().mean()) / 2}

    return measure


def class_domain_rate(classes, output: str) -> Extras:
    """extras: the target-class rate of a class-domain translator writing field `output`
    (B: class `classes.b`; A: class `classes.a`)."""
    return target_class_rate(classes.of, classes.b if output == "B" else classes.a)


def target_class_rate(dataset: str, target_class: int) -> Extras:
    """extras: the share of outputs the project's Fashion-MNIST classifier puts in `target_class`."""

    def measure(inputs: Batch, outputs: torch.Tensor, targets: torch.Tensor | None) -> dict:
        from gankit.metrics.fmnist_net import load_classifier_weights

        if dataset != "fashion-mnist":
            return {}
        net, _ = load_classifier_weights()
        x = outputs.float()
        if x.shape[1] == 3:
            x = (x * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
        if x.shape[-1] != 28:
            x = torch.nn.functional.interpolate(x, size=(28, 28), mode="bilinear", antialias=True)
        with torch.no_grad():
            predicted = torch.cat([net(x[i:i + 256]).argmax(1) for i in range(0, len(x), 256)])
        return {"target_class_rate": float((predicted == target_class).float().mean()),
                "target_class": target_class}

    return measure


def per_style(names: list[str], y_channel: bool = False, border: int = 0) -> Extras:
    """extras: L1 and SSIM of each style's outputs against their targets ({name: {...}})."""

    def measure(inputs: Batch, outputs: torch.Tensor, targets: torch.Tensor | None) -> dict:
        if targets is None or "style" not in inputs:
            return {}
        table = {}
        for index, name in enumerate(names):
            chosen = inputs["style"] == index
            if chosen.any():
                row = {}
                for metric in ("l1", "ssim"):
                    row.update(REGISTRY[metric].compute(outputs[chosen], targets[chosen], y_channel, border))
                table[name] = {**row, "n": int(chosen.sum())}
        return {"per_style": table}

    return measure


def diversity(translator: Translator, codes: int = 10, inputs: int = 100, seed: int = 0,
              lpips_net: torch.nn.Module | None = None, judge=None) -> Extras:
    """extras: the mean pairwise L1 distance (on [0, 1]) between a translator's outputs for
    `codes` random codes (or, without a code, `codes` dropout draws in test mode train) of
    each of the first `inputs` test inputs; 0 for a deterministic translator. With an LPIPS
    net (the paper's measure; its weights must be supplied), the mean pairwise LPIPS too; with
    a font judge and a latent translator, the fonts the codes reach (font_judge.fonts_reached)."""

    def measure(batch: Batch, outputs: torch.Tensor, targets: torch.Tensor | None) -> dict:
        x = batch["input"][:inputs]
        if not translator.latent_dim and translator.test_mode != "train":
            return {"diversity_l1": 0.0, "diversity_draws": codes}
        draws = []
        rng = torch.Generator().manual_seed(seed)
        style = batch.get("style")
        for k in range(codes):
            z = torch.randn(len(x), translator.latent_dim, generator=rng) if translator.latent_dim else None
            draws.append(translator.translate(x, z=z, style=None if style is None else style[:inputs],
                                              seed=seed + k))
        pairs = [(i, j) for i in range(codes) for j in range(i + 1, codes)]
        result = {"diversity_l1": sum(float((draws[i] - draws[j]).abs().mean()) / 2 for i, j in pairs)
                  / len(pairs), "diversity_draws": codes}
        if lpips_net is not None:
            from gankit.metrics.lpips import lpips_distance

            result["diversity_lpips"] = sum(lpips_distance(draws[i], draws[j], net=lpips_net)
                                            for i, j in pairs) / len(pairs)
        if judge is not None and translator.latent_dim:
            from gankit.evaluate.font_judge import fonts_reached

            result.update(fonts_reached(judge, draws))
        return result

    return measure


def encoded_reconstruction(translator: Translator, encoder: torch.nn.Module) -> Extras:
    """extras: L1 and SSIM of G(A, mu(E(B))) against B: the truth, when the code is encoded from it."""

    def measure(batch: Batch, outputs: torch.Tensor, targets: torch.Tensor | None) -> dict:
        if targets is None:
            return {}
        with torch.no_grad():
            z = torch.cat([encoder(targets[i:i + 64])[0] for i in range(0, len(targets), 64)])
        y = translator.translate(batch["input"], z=z)
        row = {}
        for metric in ("l1", "ssim"):
            row.update({f"encoded_{k}": v for k, v in REGISTRY[metric].compute(y, targets).items()})
        return row

    return measure
