"""Evaluation records: one JSON line per evaluation in RUN/eval.jsonl, and their text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gankit.metrics import ToyModeReport


def record(run_dir: Path, step: int, values: dict) -> None:
    """Append one evaluation as a JSON line to RUN/eval.jsonl."""
    from gankit.io import append_line

    append_line(Path(run_dir) / "eval.jsonl", json.dumps({"step": step, **values}))



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
    if result["metric"] == "translation" and "protocol" not in result:  # pair metrics only
        return (f"{result['compared']} (test mode {result['test_mode']}) vs {result['reference']}; "
                f"pixels in [0, 1]\n" + table(result) + _per_style(result))
    protocol = result["protocol"]
    fake = result.get("compared") or f"{result['n_fake']} samples"
    if result["metric"] == "translation":
        fake += f" (test mode {result['test_mode']})"
    weights = {True: " (EMA weights)", False: " (raw weights)"}.get(result.get("ema"), "")
    return (f"{fake}{weights} vs {result['reference']}; features: {result['features']} "
            f"(weights sha256 {protocol['weights_sha256'][:12]}, resize {protocol['resize']})\n"
            + table(result) + _per_style(result))


def _per_style(result: dict[str, Any]) -> str:
    """Lines of a per-style table (zi2zi's fonts) and of the font judge, or ''."""
    rows, hits = result.get("per_style") or {}, result.get("font_hit_per_font") or {}
    text = "".join(f"\n  {name:<18} L1 {r['l1']:.4f}  SSIM {r['ssim']:.4f}  ({r['n']} test characters)"
                   + (f"  font hit {100 * hits[name]:.1f}%" if name in hits else "")
                   for name, r in rows.items())
    if "font_hit" in result:
        text += (f"\nfont judge: {100 * result['font_hit']:.1f}% of outputs read as the font asked for "
                 f"(the judge on real test glyphs: {100 * result['font_hit_real']:.1f}%)")
    if "fonts_reached" in result:
        shares = ", ".join(f"{k} {100 * v:.0f}%" for k, v in result["font_shares"].items())
        text += (f"\nrandom codes reach {result['fonts_reached']} of {len(result['font_shares'])} fonts "
                 f"(the font judge: {shares}; on real test glyphs it is right "
                 f"{100 * result['font_judge_real']:.1f}% of the time)")
    return text
