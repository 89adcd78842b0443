"""`gankit eval RUN`: measure a run's latest model by what it is and record the result."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from gankit.data.toy import TOY_MIXTURES
from gankit.errors import GankitError
from gankit.evaluate.images import ImageEvalOptions, evaluate_generator
from gankit.evaluate.record import record
from gankit.evaluate.ssl import ssl_accuracies
from gankit.evaluate.toy import TOY_EVAL_SAMPLES, evaluate_toy, evaluate_toy_with_rejection
from gankit.runtime.distributed import current_world


def evaluate_run(run_dir: str | Path, n: int | None = None, seed: int = 0,
                 image_opts: ImageEvalOptions | None = None, ema: bool = True,
                 rejection: float | None = None) -> dict[str, Any]:
    """Evaluate a run's latest generator (EMA when present) and record the result. Toy runs
    with `rejection` (a quantile) are measured on samples kept by D's rejection sampling."""
    from gankit.inference import ModelFolder
    from gankit.runs import load_generator, load_run_config

    cfg = load_run_config(run_dir)
    if rejection is not None and cfg.data.dataset not in TOY_MIXTURES:
        raise GankitError("--rejection is for 2-D toy runs")
    folder = ModelFolder.open(run_dir)
    generator = load_generator(run_dir, ema=ema)
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
        opts = dataclasses.replace(opts, n=n or opts.n, seed=seed)
        result = evaluate_generator(generator, cfg.data, opts)
    if not current_world().is_main:
        return {}
    record(Path(run_dir), step, result)
    return {"step": step, **result}


