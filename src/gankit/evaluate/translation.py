"""Evaluating translators on a held-out split: every registered pair metric (L1, PSNR,
SSIM) of G(A) against the true B, and the feature metrics (FID, KID) of the outputs against
the targets; stamped with the protocol, the test-time mode and the weights used."""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from gankit.data.source import Source
from gankit.errors import GankitError
from gankit.evaluate.images import ImageEvalOptions, make_extractor, score
from gankit.evaluate.sets import check_features_fit
from gankit.images import to_uint8
from gankit.inference.translator import Translator
from gankit.metrics.registry import REGISTRY, names_needing, parse_metrics

FEATURE_DEFAULT = ("fid", "kid")


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


def copy_translator(source: Source) -> Translator:
    shapes = source.spec.shapes
    if shapes["A"] != shapes["B"]:
        raise GankitError("copy-the-input needs inputs and targets of one shape")
    return Translator(Identity(), tuple(shapes["A"]), tuple(shapes["B"]))


def _metric_names(opts: TranslationEvalOptions) -> tuple[list[str], list[str]]:
    pairs = names_needing("pairs")
    if not opts.metrics:
        return pairs, list(FEATURE_DEFAULT)
    names = parse_metrics(opts.metrics, needs=("pairs", "features"))
    return [n for n in names if n in pairs], [n for n in names if REGISTRY[n].needs == "features"]


def evaluate_translator(translator: Translator, test: Source, opts: TranslationEvalOptions,
                        label: str = "") -> dict[str, Any]:
    """The metrics of `translator` on the held-out examples of `test` (at most opts.n)."""
    from gankit.metrics.reference import reference_features

    batch = test.first(min(opts.n, len(test)))
    if opts.test_mode is not None:
        translator = dataclasses.replace(translator, test_mode=opts.test_mode)
    style = batch.get("style") if translator.num_styles is not None else None
    outputs = translator.translate(batch["A"], style=style, batch_size=opts.batch_size, seed=opts.seed)
    targets = batch["B"].float()
    pair_names, feature_names = _metric_names(opts)
    result: dict[str, Any] = {}
    for name in pair_names:
        result.update(REGISTRY[name].compute(outputs, targets, opts.y_channel, opts.border))
    record = {"metric": "translation", **result, "pair_protocol": {
        "range": "[0, 1]", "y_channel": opts.y_channel, "border": opts.border,
        "ssim": "gaussian 11x11, sigma 1.5, population covariance"}, "test_mode": translator.test_mode,
        "n": len(outputs), "compared": label or f"{len(outputs)} translations"}
    if feature_names:
        extract = make_extractor(opts, "translation")
        check_features_fit(extract.name, outputs.shape[1], "these images")
        real = reference_features(to_uint8(targets).transpose(0, 3, 1, 2), extract, opts.batch_size,
                                  opts.progress, opts.use_cache)
        fake = extract.extract(to_uint8(outputs).transpose(0, 3, 1, 2), opts.batch_size, opts.progress)
        scored = score(feature_names, real, fake, extract, opts, "translation", f"{test.name} targets")
        record = {**scored, **record, "metric": "translation"}
    else:
        record["reference"] = f"{test.name} targets"
    return record
