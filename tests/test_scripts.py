"""scripts/summarize_evals.py and scripts/copy_baseline.py: tables of runs trained by separate commands."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def _script(name: str):
    """scripts/<name>.py, imported as a module."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_summarize_takes_each_runs_latest_record_of_the_metric(tmp_path, capsys):
    module = _script("summarize_evals")
    for name, values in {"a": [9.0, 1.0], "b": [9.0, 3.0]}.items():
        (tmp_path / name).mkdir()
        lines = ([{"metric": "translation", "l1": v, "model": "AB"} for v in values]
                 + [{"metric": "fid", "l1": 99.0}, {"metric": "translation", "l1": 50.0, "model": "BA"}])
        (tmp_path / name / "eval.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    runs = [str(tmp_path / "a"), str(tmp_path / "b")]
    summary = module.main([*runs, "--keys", "l1", "--metric", "translation", "--model", "AB"])
    assert summary["l1"] == pytest.approx((2.0, 1.0))
    assert module.main([*runs, "--keys", "l1", "--model", "BA"])["l1"] == pytest.approx((50.0, 0.0))
    assert "| 2 | 2 ± 1 |" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="no eval.jsonl"):
        module.main([str(tmp_path)])


def test_summarize_skips_newer_records_lacking_a_key(tmp_path):
    module = _script("summarize_evals")
    (tmp_path / "a").mkdir()
    lines = [{"metric": "translation", "l1": 0.1, "fid": 100.0},
             {"metric": "translation", "l1": 0.2, "diversity_l1": 0.07, "test_mode": "train"}]
    (tmp_path / "a" / "eval.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    run = str(tmp_path / "a")
    assert module.main([run, "--keys", "l1", "fid"]) == {"l1": (0.1, 0.0), "fid": (100.0, 0.0)}
    assert module.main([run, "--keys", "l1"])["l1"] == (0.2, 0.0)  # the newest that has it
    with pytest.raises(SystemExit, match="no record holds ssim"):
        module.main([run, "--keys", "l1", "ssim"])


def test_copy_baseline_scores_the_inputs_with_evals_protocol(idx_dir, tmp_path):
    from gankit.config import to_toml
    from gankit.data import held_out_source
    from gankit.metrics.fmnist_net import load_classifier_weights
    from tests.test_cyclegan import _cyclegan

    module = _script("copy_baseline")
    data = {"dataset": "classes", "root": str(idx_dir), "image_size": 28, "classes": {"a": 7, "b": 9}}
    cfg = _cyclegan(data)
    (tmp_path / "config.toml").write_text(to_toml(cfg))
    scores = module.main([str(tmp_path), "--direction", "BA"])
    # copying boots scores the classifier's rate of calling a real boot a sneaker
    boots = held_out_source(cfg.data).parts["B"].first(10_000)["B"]
    import torch

    net, _ = load_classifier_weights()
    with torch.no_grad():
        as_sneaker = float((net(boots).argmax(1) == 7).float().mean())
    assert scores["features"] == "fmnist" and scores["target_class"] == 7
    assert scores["target_class_rate"] == pytest.approx(as_sneaker)
    assert scores["fid"] > 0 and "l1" not in scores


def test_copy_baseline_measures_only_the_metrics_asked_for(paired_dir, tmp_path):
    from gankit.config import to_toml
    from tests.test_pix2pix import _pix2pix

    module = _script("copy_baseline")
    (tmp_path / "config.toml").write_text(to_toml(_pix2pix(paired_dir)))
    scores = module.main([str(tmp_path), "--metrics", "l1,ssim"])
    assert 0.3 < scores["l1"] < 1 and -1 <= scores["ssim"] < 0  # B = 255 - A: anti-correlated
    assert "fid" not in scores and "kid_mean" not in scores
