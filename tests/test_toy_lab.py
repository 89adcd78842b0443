"""The mode-collapse lab: the PacGAN toy metric, gankit eval and gankit compare."""

import csv
import json
import math

import pytest
import torch

from gankit.cli import main
from gankit.data.toy import mixture_modes, sample_mixture
from gankit.metrics import toy_mode_report
from gankit.metrics.toy import REAL_SPREAD


def test_real_data_scores_perfectly():
    report = toy_mode_report(sample_mixture("grid25", 2500, seed=0), "grid25")
    # in 2-D, P(‖x - μ‖ ≤ 3σ) = 1 - exp(-9/2) = 0.9889: real data is not 100 % "high quality"
    assert report.modes == 25 and abs(report.high_quality - (1 - math.exp(-4.5))) < 0.008
    assert report.reverse_kl < 0.02  # sampling noise of 2,500 draws over 25 modes
    assert report.spread == pytest.approx(REAL_SPREAD, abs=0.03)


def test_within_mode_spread_sees_collapse_inside_modes():
    modes, std = mixture_modes("grid25")
    which = torch.arange(2500) % 25
    noise = torch.randn(2500, 2, generator=torch.Generator().manual_seed(1))
    narrow = toy_mode_report(modes[which] + 0.25 * std * noise, "grid25")
    # a quarter of the data's std: every sample high quality, yet a quarter of the spread
    assert narrow.high_quality == 1.0 and narrow.modes == 25
    assert narrow.spread == pytest.approx(0.25, abs=0.02)
    assert toy_mode_report(modes[which], "grid25").spread == 0.0  # one point per mode
    # spread is about the samples' own centre: clusters off the mode's centre are not wider
    shifted = toy_mode_report(modes[which] + 0.25 * std * noise + std, "grid25")
    assert shifted.high_quality == 1.0 and shifted.spread == pytest.approx(narrow.spread, abs=1e-6)


def test_describe_reads_toy_records_written_before_spread_was_measured():
    from gankit.evaluate import describe

    old = {"metric": "toy_modes", "mixture": "grid25", "samples": 2500, "modes": 25,
           "total_modes": 25, "high_quality": 0.9, "reverse_kl": 0.01}
    assert describe(old).startswith("grid25: 25/25 modes, 90.0% high quality")


def test_collapse_and_off_mode_samples_are_measured():
    modes, std = mixture_modes("ring8")
    # all samples on 2 modes: 2 captured, reverse KL = log(8/2)
    two = modes[torch.tensor([0, 1] * 50)]
    report = toy_mode_report(two, "ring8")
    assert report.modes == 2 and report.high_quality == 1.0
    assert math.isclose(report.reverse_kl, math.log(4), rel_tol=1e-9)
    # half the samples 4 std away from any mode: not high quality
    far = torch.cat([modes, modes * (1 + 4 * std)])
    report = toy_mode_report(far, "ring8")
    assert report.modes == 8 and report.high_quality == 0.5 and report.reverse_kl < 1e-12
    # just inside / outside the 3-std radius
    edge = modes[:1] + torch.tensor([[3 * std * 0.99, 0.0], [0.0, 3 * std * 1.01]])
    assert toy_mode_report(edge, "ring8").high_quality == 0.5
    nothing = toy_mode_report(torch.full((10, 2), 50.0), "ring8")
    assert nothing.modes == 0 and nothing.reverse_kl == math.inf


TOY = ["--set", "data.toy_samples=400", "--set", "train.tensorboard=false",
       "--set", "train.grid_size=100", "--set", "train.steps=3", "--set", "train.batch_size=20"]


def test_eval_on_a_toy_run_records_json(capsys, tmp_path):
    run = tmp_path / "toy"
    assert main(["train", "--preset", "gan-ring8", "--out", str(run), "--no-progress", *TOY]) == 0
    capsys.readouterr()
    assert main(["eval", str(run)]) == 0
    out = capsys.readouterr().out
    assert "ring8:" in out and "modes" in out
    rows = [json.loads(r) for r in (run / "eval.jsonl").read_text().splitlines()]
    assert len(rows) == 2 and rows[-1]["step"] == 3 and rows[-1]["samples"] == 2500
    assert rows[0] == rows[1]  # the end-of-training evaluation and eval agree


def test_compare_writes_tables_and_figure(capsys, tmp_path):
    out = tmp_path / "lab"
    code = main(["compare", "gan-ring8", "gan-grid25", "--seeds", "2", "--out", str(out),
                 *TOY])
    assert code == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "| gan-grid25 | 2 |" in printed
    with open(out / "results.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["preset"], r["seed"]) for r in rows] == [
        ("gan-ring8", "0"), ("gan-ring8", "1"), ("gan-grid25", "0"), ("gan-grid25", "1")]
    with open(out / "summary.csv") as handle:
        summary = list(csv.DictReader(handle))
    modes = [float(r["modes"]) for r in rows if r["preset"] == "gan-grid25"]
    assert float(summary[1]["modes_mean"]) == pytest.approx(sum(modes) / 2)
    # 3 steps may leave no high-quality sample (spread nan); else at most 3/√2 (all on the 3σ circle)
    assert all(math.isnan(v) or 0 <= v <= 3 / math.sqrt(2) for v in (float(r["spread"]) for r in rows))
    assert "within-mode spread" in (out / "summary.md").read_text()
    assert (out / "comparison.png").stat().st_size > 1000
    assert (out / "gan-ring8" / "seed-1" / "checkpoints" / "latest").is_dir()
    assert "seed = 1\n" in (out / "gan-grid25" / "seed-1" / "config.toml").read_text()


def test_compare_with_rejection_adds_rows_for_runs_whose_d_allows_it(capsys, tmp_path):
    from gankit.evaluate import evaluate_toy_with_rejection
    from gankit.runs import load_generator

    out = tmp_path / "lab"
    code = main(["compare", "gan-ring8", "pacgan-grid25", "--seeds", "1", "--first-seed", "3",
                 "--out", str(out), "--rejection", "0.5", *TOY])
    assert code == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "pacgan-grid25: no rejection-sampling rows (" in printed and "no packing only" in printed
    with open(out / "results.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["preset"] for r in rows] == ["gan-ring8", "gan-ring8 + DRS 0.5", "pacgan-grid25"]
    assert [r["seed"] for r in rows] == ["3", "3", "3"]
    run = out / "gan-ring8" / "seed-3"
    assert "seed = 3\n" in (run / "config.toml").read_text()
    report, _, _ = evaluate_toy_with_rejection(run, load_generator(run), "ring8", quantile=0.5)
    assert float(rows[1]["high_quality"]) == pytest.approx(report.high_quality)
    assert "| gan-ring8 + DRS 0.5 | 1 |" in (out / "summary.md").read_text()


def test_compare_refuses_toy_and_image_presets_together(capsys, tmp_path):
    assert main(["compare", "gan-ring8", "dcgan-fashion-mnist", "--out", str(tmp_path)]) == 2
    assert "presets of one kind: 2-D toys, image generators or translators" in capsys.readouterr().err


def test_compare_of_image_presets_tabulates_eval_metrics(capsys, tmp_path, idx_dir):
    tiny = ["nets.G.width=8", "nets.D.width=8", "nets.G.latent_dim=8", "train.batch_size=16",
            "train.steps=2", "train.tensorboard=false", "train.grid_size=10", "data.image_size=28",
            "data.labels_per_class=2", f'data.root="{idx_dir}"']
    argv = ["compare", "acgan-fashion-mnist", "ssgan-fashion-mnist-100", "--seeds", "1",
            "--out", str(tmp_path / "cmp"), "--n", "20"]
    for item in tiny:
        argv += ["--set", item]
    assert main(argv) == 0, capsys.readouterr().err
    summary = (tmp_path / "cmp" / "summary.md").read_text()
    assert "class accuracy" in summary and "supervised-only accuracy" in summary
    with open(tmp_path / "cmp" / "results.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["class_accuracy"] and rows[1]["accuracy"] and not rows[1]["class_accuracy"]
    assert float(rows[0]["seconds"]) > 0
    assert (tmp_path / "cmp" / "comparison.png").stat().st_size > 1000
