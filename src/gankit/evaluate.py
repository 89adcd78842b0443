"""Evaluating a run: the metrics that apply to its data, recorded in RUN/eval.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from gankit.data.toy import TOY_MIXTURES
from gankit.errors import GankitError
from gankit.metrics import ToyModeReport, toy_mode_report
from gankit.sampling import generate, latents

TOY_EVAL_SAMPLES = 2500  # the PacGAN protocol


def evaluate_toy(generator: nn.Module, mixture: str, n: int = TOY_EVAL_SAMPLES,
                 seed: int = 0) -> tuple[ToyModeReport, torch.Tensor]:
    """Mode-coverage report of `n` samples (seeded) and the samples themselves."""
    points = generate(generator, latents(n, generator.latent_dim, seed))
    return toy_mode_report(points, mixture), points


def record(run_dir: Path, step: int, values: dict) -> None:
    """Append one evaluation as a JSON line to RUN/eval.jsonl."""
    with open(Path(run_dir) / "eval.jsonl", "a") as handle:
        handle.write(json.dumps({"step": step, **values}) + "\n")


def evaluate_run(run_dir: str | Path, n: int = TOY_EVAL_SAMPLES, seed: int = 0) -> ToyModeReport:
    """Evaluate a run's latest generator (EMA when present) and record the result."""
    from gankit.runs import load_generator, load_run_config
    from gankit.train.checkpoint import latest_checkpoint, load_state

    cfg = load_run_config(run_dir)
    if cfg.data.dataset not in TOY_MIXTURES:
        raise GankitError(f"gankit eval measures 2-D toy runs so far; {run_dir} trains on "
                          f"{cfg.data.dataset} (image metrics: FID/KID/IS are not built yet)")
    generator = load_generator(run_dir)
    report, _ = evaluate_toy(generator, cfg.data.dataset, n, seed)
    step = int(load_state(latest_checkpoint(Path(run_dir)))["step"])
    record(Path(run_dir), step, {"metric": "toy_modes", **report.as_dict()})
    return report
