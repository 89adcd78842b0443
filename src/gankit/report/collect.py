"""What a run report shows, read from the run's own files: its config, provenance, logged
metrics, evaluations, progress pictures and checkpoints."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gankit.errors import GankitError
from gankit.io import read_json_lines

MAX_PICTURES = 40  # progress pictures embedded (evenly spaced, always the last)


@dataclass
class RunFacts:
    path: Path
    name: str
    config_text: str
    recipe: str
    dataset: str
    description: str
    step: int
    train_seconds: float | None
    provenance: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    evals: list[dict[str, Any]] = field(default_factory=list)
    pictures: list[tuple[int, Path]] = field(default_factory=list)
    pictures_total: int = 0
    resumes: list[dict[str, Any]] = field(default_factory=list)


def spaced(items: list, n: int) -> list:
    """At most `n` of `items`, evenly spaced, the first and last kept."""
    if len(items) <= n:
        return items
    picks = sorted({round(i * (len(items) - 1) / (n - 1)) for i in range(n)})
    return [items[i] for i in picks]


def collect_run(run_dir: str | Path) -> RunFacts:
    from gankit.provenance import read_provenance
    from gankit.runs import latest_checkpoint, load_run_config, load_state, require_run
    from gankit.train.metrics_log import read_metrics

    run = require_run(run_dir)
    cfg = load_run_config(run)
    checkpoint = latest_checkpoint(run)
    step, seconds = 0, None
    if checkpoint is not None:
        try:
            state = load_state(checkpoint)
            step, seconds = int(state["step"]), float(state.get("train_seconds", 0.0)) or None
        except GankitError:
            pass
    pictures = []
    for path in sorted((run / "samples").glob("step-*.png")):
        match = re.fullmatch(r"step-(\d+)\.png", path.name)
        if match:
            pictures.append((int(match[1]), path))
    return RunFacts(path=run, name=run.name, config_text=(run / "config.toml").read_text(errors="replace"),
                    recipe=cfg.recipe, dataset=cfg.data.dataset, description=cfg.description, step=step,
                    train_seconds=seconds, provenance=read_provenance(run), metrics=read_metrics(run),
                    evals=read_json_lines(run / "eval.jsonl"), pictures=spaced(pictures, MAX_PICTURES),
                    pictures_total=len(pictures), resumes=read_json_lines(run / "resumes.jsonl"))


SCALAR_SKIP = {"step", "metric", "seed", "n", "n_real", "n_fake", "ema", "gankit", "warnings", "protocol",
               "pair_protocol", "features", "reference", "compared", "test_mode", "model", "pairs",
               "target_class", "total_modes", "mixture"}


def eval_table(evals: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """(columns, rows) of a run's evaluations: step, what was measured, every number, and
    the protocol stamps (features, weights digest, sample counts)."""
    keys: list[str] = []
    for row in evals:
        for key, value in row.items():
            if key not in SCALAR_SKIP and isinstance(value, (int, float)) and key not in keys:
                keys.append(key)
    columns = ["step", "metric", *keys, "protocol"]
    rows = []
    for row in evals:
        protocol = row.get("protocol", {}) or {}
        stamp = ", ".join(x for x in (row.get("features") or protocol.get("extractor"),
                                      (protocol.get("weights_sha256") or "")[:12] or None,
                                      f"{row['n_fake']} vs {row['n_real']}" if "n_fake" in row else None,
                                      row.get("model") and f"model {row['model']}",
                                      row.get("test_mode") and f"test mode {row['test_mode']}") if x)
        cells = [str(row.get("step", "")), str(row.get("metric", ""))]
        for key in keys:
            value = row.get(key)
            cells.append("" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value))
        rows.append([*cells, stamp])
    return columns, rows
