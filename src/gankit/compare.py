"""`gankit compare`: train several presets over several seeds and tabulate their metrics.

Toy presets are measured by mode coverage (PacGAN protocol); image presets by `gankit
eval` (FID, KID, precision/recall and, for conditional runs, class accuracy; for
semi-supervised runs, the test accuracy of the classifier and of its supervised baseline).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from gankit.data.toy import TOY_MIXTURES, sample_mixture
from gankit.errors import GankitError
from gankit.evaluate import ImageEvalOptions, evaluate_run, evaluate_toy, evaluate_toy_with_rejection
from gankit.evaluate.translation import TranslationEvalOptions
from gankit.images import save_figure
from gankit.io import atomic_write, write_text
from gankit.logs import quiet
from gankit.metrics import ToyModeReport
from gankit.presets import load_preset
from gankit.rejection import check_critic
from gankit.runs import CONFIG_FILE, load_generator, load_run_config
from gankit.train import train
from gankit.train.checkpoint import latest_checkpoint, load_state

TOY_COLUMNS = ("modes", "high_quality", "reverse_kl", "spread", "seconds")
# image metrics: key in eval results, table header, scale for display
TRANSLATION_METRICS = ("l1", "psnr", "ssim", "fid", "kid")
IMAGE_COLUMNS = (("l1", "L1", 1.0), ("psnr", "PSNR", 1.0), ("ssim", "SSIM", 1.0),
                 ("fid", "FID", 1.0), ("kid_mean", "KID", 1.0), ("precision", "precision", 1.0),
                 ("recall", "recall", 1.0), ("class_accuracy", "class accuracy", 1.0),
                 ("target_class_rate", "target-class rate", 1.0), ("cycle_l1", "cycle L1", 1.0),
                 ("diversity_l1", "diversity (L1)", 1.0), ("encoded_l1", "L1 with z = E(B)", 1.0),
                 ("accuracy", "SSL test accuracy", 1.0),
                 ("baseline_accuracy", "supervised-only accuracy", 1.0))


def _mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and population std (an infinite reverse KL stays infinite)."""
    array = np.asarray(values, dtype=np.float64)
    if not np.isfinite(array).all():
        return float(array.mean()), math.nan
    return float(array.mean()), float(array.std())


def _training_seconds(run_dir: Path, this_call: float) -> float:
    """Training time of the run over all calls (older checkpoints: this call's only)."""
    state = load_state(latest_checkpoint(run_dir))
    return float(state.get("train_seconds", this_call))


def compare(presets: list[str], seeds: int, out_dir: str | Path, overrides: list[str] = (),
            log=print, eval_n: int = 10_000, rejection: float | None = None,
            first_seed: int = 0) -> list[dict]:
    """Train every preset for `seeds` seeds from `first_seed` on, under out_dir/PRESET/seed-K
    (finished runs are reused, interrupted ones resumed), measure each, then write results.csv, summary.csv,
    summary.md and comparison.png. Returns one row per run; with `rejection` (toy presets)
    also one per run measured on the samples D's rejection sampling keeps at that quantile,
    as preset "NAME + DRS Q"."""
    out_dir = Path(out_dir)
    configs = {name: load_preset(name, overrides) for name in presets}
    kinds = {_kind(cfg) for cfg in configs.values()}
    if len(kinds) > 1:
        raise GankitError("gankit compare takes presets of one kind: 2-D toys, image generators or "
                          "translators")
    toy, translation = kinds == {"toy"}, kinds == {"translation"}
    if rejection is not None and not toy:
        raise GankitError("gankit compare --rejection is for 2-D toy presets")
    rows = []
    for name in presets:
        for seed in range(first_seed, first_seed + seeds):
            run_dir = out_dir / name / f"seed-{seed}"
            resume = (run_dir / CONFIG_FILE).is_file()
            cfg = (load_run_config(run_dir) if resume
                   else load_preset(name, [*overrides, f"train.seed={seed}"]))
            log(f"== {name}, seed {seed}")
            filtered = None
            with quiet("train"):
                result = train(cfg, run_dir, resume=resume, progress=False)
            row = {"preset": name, "seed": seed,
                   "seconds": _training_seconds(run_dir, result.seconds)}
            if toy:
                generator = load_generator(run_dir)
                report, points = evaluate_toy(generator, cfg.data.dataset)
                log(f"   {report.line()} in {row['seconds']:.0f} s")
                row.update(_toy_cells(report, points))
                if rejection is not None and _rejection_applies(name, run_dir, log, seed == first_seed):
                    report, points, kept = evaluate_toy_with_rejection(run_dir, generator, cfg.data.dataset,
                                                                       quantile=rejection)
                    log(f"   with rejection sampling at quantile {rejection} (kept "
                        f"{100 * kept:.0f}%): {report.line()}")
                    filtered = {"preset": f"{name} + DRS {rejection:g}", "seed": seed,
                                "seconds": row["seconds"], **_toy_cells(report, points)}
            else:
                opts = (TranslationEvalOptions(metrics=list(TRANSLATION_METRICS), features="auto")
                        if translation else ImageEvalOptions(metrics=["fid", "kid", "pr"], n=eval_n))
                measured = evaluate_run(run_dir, None if translation else eval_n, 0, opts)
                row.update({key: measured[key] for key, _, _ in IMAGE_COLUMNS if key in measured})
                row["picture"] = _last_sample_grid(run_dir)
                log("   " + ", ".join(f"{k} {row[k]:.4g}" for k, _, _ in IMAGE_COLUMNS if k in row)
                    + f" in {row['seconds']:.0f} s")
            rows += [row, filtered] if filtered else [row]
    if translation:  # what copying the input scores on the same held-out split
        rows.append(_copy_row(configs[presets[0]], log, first_seed))
    table_names = list(dict.fromkeys(row["preset"] for row in rows))
    if toy:
        _write_toy_tables(rows, table_names, out_dir)
    else:
        _write_image_tables(rows, table_names, out_dir)
    _plot(rows, table_names, seeds, out_dir, first_seed)
    from gankit.report import write_compare_report

    write_compare_report(out_dir, presets)
    return rows


def _kind(cfg) -> str:
    from gankit.data.translation import TRANSLATION_DATASETS

    if cfg.data.dataset in TOY_MIXTURES:
        return "toy"
    return "translation" if cfg.data.dataset in TRANSLATION_DATASETS else "images"


def _copy_row(cfg, log, seed: int) -> dict:
    """The copy-the-input baseline (G(a) = a; bicubic upscaling for super-resolution) on the
    held-out split of `cfg`'s data, scored as `gankit eval` scores a run on it."""
    from gankit.evaluate.translation import copy_baseline

    opts = TranslationEvalOptions(metrics=list(TRANSLATION_METRICS), features="auto")
    measured = copy_baseline(cfg.data, opts)
    row = {"preset": measured["compared"], "seed": seed, "seconds": 0.0}
    row.update({key: measured[key] for key, _, _ in IMAGE_COLUMNS if key in measured})
    log(f"== {row['preset']}: " + ", ".join(f"{k} {row[k]:.4g}" for k, _, _ in IMAGE_COLUMNS if k in row))
    return row


def _rejection_applies(name: str, run_dir: Path, log, first: bool) -> bool:
    try:
        check_critic(run_dir)
    except GankitError as err:
        if first:
            log(f"{name}: no rejection-sampling rows ({err})")
        return False
    return True


def _toy_cells(report: ToyModeReport, points) -> dict:
    return dict(modes=report.modes, total_modes=report.total_modes, high_quality=report.high_quality,
                reverse_kl=report.reverse_kl, spread=report.spread, points=points,
                mixture=report.mixture)


def _last_sample_grid(run_dir: Path) -> np.ndarray | None:
    from PIL import Image

    grids = sorted((run_dir / "samples").glob("step-*.png"))
    return np.asarray(Image.open(grids[-1])) if grids else None


def _write_csv(path: Path, fields: list[str], rows: list[dict]) -> None:
    with atomic_write(path, "w") as handle:
        writer = csv.DictWriter(handle, fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def _write_toy_tables(rows: list[dict], presets: list[str], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_csv(out_dir / "results.csv",
               ["preset", "seed", "total_modes", *TOY_COLUMNS], rows)
    summary = []
    for name in presets:
        mine = [r for r in rows if r["preset"] == name]
        stats = {c: _mean_std([float(r[c]) for r in mine]) for c in TOY_COLUMNS}
        summary.append((name, len(mine), mine[0]["total_modes"], stats))
    with atomic_write(out_dir / "summary.csv", "w") as handle:
        writer = csv.writer(handle)
        writer.writerow(["preset", "seeds", "total_modes"]
                        + [f"{c}_{s}" for c in TOY_COLUMNS for s in ("mean", "std")])
        for name, n, total, stats in summary:
            writer.writerow([name, n, total] + [f"{v:.6g}" for c in TOY_COLUMNS for v in stats[c]])
    lines = ["| preset | seeds | modes | high quality | reverse KL | within-mode spread | seconds / run |",
             "|---|---|---|---|---|---|---|"]
    for name, n, total, s in summary:
        lines.append(
            f"| {name} | {n} | {s['modes'][0]:.1f} ± {s['modes'][1]:.1f} / {total} "
            f"| {100 * s['high_quality'][0]:.1f} ± {100 * s['high_quality'][1]:.1f} % "
            f"| {s['reverse_kl'][0]:.3f} ± {s['reverse_kl'][1]:.3f} "
            f"| {s['spread'][0]:.2f} ± {s['spread'][1]:.2f} "
            f"| {s['seconds'][0]:.0f} |")
    write_text(out_dir / "summary.md", "\n".join(lines) + "\n")


def _write_image_tables(rows: list[dict], presets: list[str], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    keys = [(k, label) for k, label, _ in IMAGE_COLUMNS if any(k in r for r in rows)]
    _write_csv(out_dir / "results.csv", ["preset", "seed", *[k for k, _ in keys], "seconds"], rows)
    header = ["preset", "seeds", *[label for _, label in keys], "seconds / run"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    csv_rows = []
    for name in presets:
        mine = [r for r in rows if r["preset"] == name]
        cells, numbers = [name, str(len(mine))], {"preset": name, "seeds": len(mine)}
        for key, _ in [*keys, ("seconds", "")]:
            values = [float(r[key]) for r in mine if key in r]
            if not values:
                cells.append("")
                continue
            mean, std = _mean_std(values)
            numbers[f"{key}_mean"], numbers[f"{key}_std"] = mean, std
            cells.append(f"{mean:.0f}" if key == "seconds" else f"{mean:.4g} ± {std:.2g}")
        lines.append("| " + " | ".join(cells) + " |")
        csv_rows.append(numbers)
    fields = ["preset", "seeds"] + [f"{k}_{s}" for k, _ in [*keys, ("seconds", "")] for s in ("mean", "std")]
    _write_csv(out_dir / "summary.csv", fields, csv_rows)
    write_text(out_dir / "summary.md", "\n".join(lines) + "\n")


def _plot(rows: list[dict], presets: list[str], seeds: int, out_dir: Path, first_seed: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    size = 2.6 if "points" in rows[0] else 3.2
    fig, axes = plt.subplots(len(presets), seeds, figsize=(size * seeds, size * len(presets)),
                             squeeze=False, dpi=90)
    for row in rows:
        ax = axes[presets.index(row["preset"])][row["seed"] - first_seed]
        ax.set_xticks([])
        ax.set_yticks([])
        if "points" in row:
            _scatter(ax, row)
        elif row.get("picture") is not None:
            picture = row["picture"]
            ax.imshow(picture, cmap="gray" if picture.ndim == 2 else None)
            ax.set_title(f"{row['preset']} s{row['seed']}", fontsize=7)
    fig.tight_layout()
    save_figure(fig, out_dir / "comparison.png")
    plt.close(fig)


def _scatter(ax, row: dict) -> None:
    data = sample_mixture(row["mixture"], 2000, seed=1234).numpy()
    ax.scatter(data[:, 0], data[:, 1], s=1, c="lightgray")
    pts = row["points"].numpy()
    ax.scatter(pts[:, 0], pts[:, 1], s=1, c="tab:blue", alpha=0.5)
    ax.set_title(f"{row['preset']} s{row['seed']}\n{row['modes']}/{row['total_modes']} "
                 f"modes, {100 * row['high_quality']:.0f}% HQ", fontsize=7)
    lim = 1.5 if row["mixture"] == "ring8" else 5.5
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
