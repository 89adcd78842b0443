"""`gankit compare`: train several presets over several seeds and tabulate mode coverage."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from gankit.data.toy import TOY_MIXTURES, sample_mixture
from gankit.errors import GankitError
from gankit.evaluate import evaluate_toy
from gankit.presets import load_preset
from gankit.runs import CONFIG_FILE, load_generator, load_run_config
from gankit.train import train

COLUMNS = ("modes", "high_quality", "reverse_kl", "seconds")


def _mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and population std (an infinite reverse KL stays infinite)."""
    array = np.asarray(values, dtype=np.float64)
    if not np.isfinite(array).all():
        return float(array.mean()), math.nan
    return float(array.mean()), float(array.std())


def compare(presets: list[str], seeds: int, out_dir: str | Path, overrides: list[str] = (),
            log=print) -> list[dict]:
    """Train every preset for seeds 0..seeds-1 under out_dir/PRESET/seed-K (finished runs are
    reused, interrupted ones resumed), then write results.csv, summary.csv, summary.md and
    comparison.png. Returns one row per run."""
    out_dir = Path(out_dir)
    configs = {name: load_preset(name, overrides) for name in presets}
    for name, cfg in configs.items():
        if cfg.data.dataset not in TOY_MIXTURES:
            raise GankitError(f"gankit compare measures 2-D toy presets; {name} trains on "
                              f"{cfg.data.dataset}")
    rows = []
    for name in presets:
        for seed in range(seeds):
            run_dir = out_dir / name / f"seed-{seed}"
            resume = (run_dir / CONFIG_FILE).is_file()
            cfg = (load_run_config(run_dir) if resume
                   else load_preset(name, [*overrides, f"train.seed={seed}"]))
            log(f"== {name}, seed {seed}")
            result = train(cfg, run_dir, resume=resume, progress=False, log=lambda *_: None)
            report, points = evaluate_toy(load_generator(run_dir), cfg.data.dataset)
            log(f"   {report.line()} in {result.seconds:.0f} s")
            rows.append({"preset": name, "seed": seed, "modes": report.modes,
                         "total_modes": report.total_modes, "high_quality": report.high_quality,
                         "reverse_kl": report.reverse_kl, "seconds": result.seconds,
                         "points": points, "mixture": cfg.data.dataset})
    _write_tables(rows, presets, out_dir)
    _plot(rows, presets, seeds, out_dir)
    return rows


def _write_tables(rows: list[dict], presets: list[str], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    fields = ["preset", "seed", "modes", "total_modes", "high_quality", "reverse_kl", "seconds"]
    with open(out_dir / "results.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    summary = []
    for name in presets:
        mine = [r for r in rows if r["preset"] == name]
        stats = {c: _mean_std([float(r[c]) for r in mine]) for c in COLUMNS}
        summary.append((name, len(mine), mine[0]["total_modes"], stats))
    with open(out_dir / "summary.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["preset", "seeds", "total_modes"]
                        + [f"{c}_{s}" for c in COLUMNS for s in ("mean", "std")])
        for name, n, total, stats in summary:
            writer.writerow([name, n, total] + [f"{v:.6g}" for c in COLUMNS for v in stats[c]])
    lines = ["| preset | seeds | modes | high quality | reverse KL | seconds / run |",
             "|---|---|---|---|---|---|"]
    for name, n, total, s in summary:
        lines.append(
            f"| {name} | {n} | {s['modes'][0]:.1f} ± {s['modes'][1]:.1f} / {total} "
            f"| {100 * s['high_quality'][0]:.1f} ± {100 * s['high_quality'][1]:.1f} % "
            f"| {s['reverse_kl'][0]:.3f} ± {s['reverse_kl'][1]:.3f} "
            f"| {s['seconds'][0]:.0f} |")
    (out_dir / "summary.md").write_text("\n".join(lines) + "\n")


def _plot(rows: list[dict], presets: list[str], seeds: int, out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(presets), seeds, figsize=(2.6 * seeds, 2.6 * len(presets)),
                             squeeze=False, dpi=90)
    for row in rows:
        ax = axes[presets.index(row["preset"])][row["seed"]]
        data = sample_mixture(row["mixture"], 2000, seed=1234).numpy()
        ax.scatter(data[:, 0], data[:, 1], s=1, c="lightgray")
        pts = row["points"].numpy()
        ax.scatter(pts[:, 0], pts[:, 1], s=1, c="tab:blue", alpha=0.5)
        ax.set_title(f"{row['preset']} s{row['seed']}\n{row['modes']}/{row['total_modes']} "
                     f"modes, {100 * row['high_quality']:.0f}% HQ", fontsize=7)
        ax.set_xticks([])
        ax.set_yticks([])
        lim = 1.5 if row["mixture"] == "ring8" else 5.5
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
    fig.tight_layout()
    fig.savefig(out_dir / "comparison.png")
    plt.close(fig)
