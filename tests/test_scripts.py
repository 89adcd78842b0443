"""scripts/summarize_evals.py: the summary of runs trained by separate commands."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "summarize_evals.py"


def test_summarize_takes_each_runs_latest_record_of_the_metric(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("summarize_evals", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, values in {"a": [9.0, 1.0], "b": [9.0, 3.0]}.items():
        (tmp_path / name).mkdir()
        lines = [{"metric": "translation", "l1": v} for v in values] + [{"metric": "fid", "l1": 99.0}]
        (tmp_path / name / "eval.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    runs = [str(tmp_path / "a"), str(tmp_path / "b")]
    summary = module.main([*runs, "--keys", "l1", "--metric", "translation"])
    assert summary["l1"] == pytest.approx((2.0, 1.0))
    assert "| 2 | 2 ± 1 |" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="no eval.jsonl"):
        module.main([str(tmp_path)])
