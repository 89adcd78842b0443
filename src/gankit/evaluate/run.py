"""`gankit eval RUN`: measure a run's latest model by what it is and record the result."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from gankit.data.toy import TOY_MIXTURES
from gankit.errors import GankitError
from gankit.evaluate.images import ImageEvalOptions, evaluate_generator, reference_count
from gankit.evaluate.record import record
from gankit.evaluate.ssl import ssl_accuracies
from gankit.evaluate.toy import TOY_EVAL_SAMPLES, evaluate_toy, evaluate_toy_with_rejection
from gankit.logs import get_logger
from gankit.runtime.distributed import current_world

log = get_logger("eval")


def evaluate_run(run_dir: str | Path, n: int | None = None, seed: int = 0,
                 image_opts: ImageEvalOptions | None = None, ema: bool = True,
                 rejection: float | None = None, data_dir: str | None = None,
                 model: str | None = None) -> dict[str, Any]:
    """Evaluate a run's latest generator (EMA when present) and record the result (`n`
    None: 10,000 samples, or as many as the reference holds when it holds fewer). Toy runs
    with `rejection` (a quantile) are measured on samples kept by D's rejection sampling;
    `data_dir`: the run's dataset moved there (checked to be the same data)."""
    from gankit.inference import ModelFolder
    from gankit.runs import load_generator, load_run_config

    cfg = load_run_config(run_dir)
    if data_dir is not None:
        from gankit.launch import moved_data

        moved_data(Path(run_dir), cfg, data_dir)
    if rejection is not None and cfg.data.dataset not in TOY_MIXTURES:
        raise GankitError("--rejection is for 2-D toy runs")
    folder = ModelFolder.open(run_dir)
    models = folder.index["models"]
    if any(m.get("kind") == "translator" for m in models.values()):
        return _evaluate_translation_run(run_dir, cfg, folder, image_opts, ema, n, seed, model)
    generator = load_generator(run_dir, ema=ema)
    sampler_net = folder.model("sampler")[1]["net"] if "sampler" in folder.index["models"] else "G"
    used_ema = folder.weights(sampler_net, ema).name.endswith("_ema.safetensors")
    step = int(folder.index["step"])
    if "classifier" in folder.index["models"]:  # a semi-supervised run: its classifier's accuracy
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
        if n is None:
            available = reference_count(cfg.data, opts.reference_split)
            n = min(opts.n, available)
            if n < opts.n:
                log.info(f"{available} reference images: evaluating {n} samples against them")
        opts = dataclasses.replace(opts, n=n, seed=seed)
        result = evaluate_generator(generator, cfg.data, opts)
    if not current_world().is_main:
        return {}
    result["ema"] = used_ema
    record(Path(run_dir), step, result)
    return {"step": step, **result}




def _extras(run_dir, cfg, entry: dict, translator, ema: bool, opts):
    """What a translator's eval adds: the cycle error where the run has the reverse model, the
    target-class rate on class domains, diversity of latent or dropout draws, the font judge
    on many-font glyph runs, the encoded reconstruction, the bicubic baseline, per-style rows."""
    from gankit.evaluate.translation import (
        bicubic_baseline,
        class_domain_rate,
        cycle_error,
        diversity,
        encoded_reconstruction,
        per_style,
    )
    from gankit.inference import load

    measures = []
    if entry.get("reverse"):
        measures.append(cycle_error(translator, load(run_dir, model=entry["reverse"], ema=ema)))
    if cfg.data.dataset == "classes":
        measures.append(class_domain_rate(cfg.data.classes, entry.get("output", "B")))
    judge = None
    if cfg.data.dataset == "glyphs" and (entry.get("num_styles") or entry.get("latent_dim")):
        from gankit.evaluate.font_judge import font_hit, font_judge

        judge = font_judge(cfg.data)  # None for a single font
        if judge is not None and entry.get("num_styles"):
            measures.append(font_hit(judge))
    if entry.get("latent_dim") or translator.test_mode == "train":
        from gankit.metrics import lpips

        measures.append(diversity(translator, lpips_net=lpips.load_lpips() if lpips.available() else None,
                                  judge=judge))
    if entry.get("encoder"):
        measures.append(encoded_reconstruction(translator, load(run_dir, model=entry["encoder"], ema=ema)))
    if entry.get("scale", 1) > 1:
        measures.append(bicubic_baseline(entry["scale"], opts.y_channel, opts.border))
    if entry.get("num_styles"):
        measures.append(per_style(entry.get("styles") or [str(i) for i in range(entry["num_styles"])]))
    if not measures:
        return None

    def measure_all(inputs, outputs, targets) -> dict:
        return {k: v for m in measures for k, v in m(inputs, outputs, targets).items()}

    return measure_all


def _evaluate_translation_run(run_dir, cfg, folder, opts, ema: bool, n: int | None, seed: int,
                              model: str | None) -> dict[str, Any]:
    """A translator run on its held-out split (data.test_split)."""
    from gankit.data import held_out_source
    from gankit.evaluate.translation import TranslationEvalOptions, evaluate_translator
    from gankit.inference import load

    name, entry = folder.model(model or next(k for k, m in folder.index["models"].items()
                                             if m.get("kind") == "translator"))
    test = held_out_source(cfg.data)
    if test is None:
        raise GankitError(f"{run_dir}'s data has no held-out split ({cfg.data.test_split}) to evaluate on")
    fields = {f.name: getattr(opts, f.name) for f in dataclasses.fields(ImageEvalOptions)} if opts else {}
    if not isinstance(opts, TranslationEvalOptions):
        opts = TranslationEvalOptions(**{**fields, "features": "inception"} if fields else {})
    opts = dataclasses.replace(opts, n=n or len(test), seed=seed)
    scale = entry.get("scale", 1)
    if scale > 1 and not opts.y_channel and not opts.border:  # super-resolution papers' protocol
        opts = dataclasses.replace(opts, y_channel=opts.y_channel or entry["target_shape"][0] == 3,
                                   border=scale)
    translator = load(run_dir, model=name, ema=ema)
    if opts.test_mode is not None:
        translator = dataclasses.replace(translator, test_mode=opts.test_mode)
    fields = (entry.get("input", "A"), entry.get("output", "B"))
    result = evaluate_translator(translator, test, opts, f"{name} of {Path(run_dir).name}", fields,
                                 _extras(run_dir, cfg, entry, translator, ema, opts),
                                 cfg.data.classes.of if cfg.data.dataset == "classes" else "translation")
    result["ema"] = folder.weights(entry["net"], ema).name.endswith("_ema.safetensors")
    result["model"] = name
    record(Path(run_dir), int(folder.index["step"]), result)
    return {"step": int(folder.index["step"]), **result}
