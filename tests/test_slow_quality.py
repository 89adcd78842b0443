"""Real training to a quality bar (make test-slow; minutes each, not in the default suite)."""

import json

import pytest

from gankit.presets import load_preset
from gankit.train import train

# preset -> (least modes, least high quality, reverse KL below), from measured runs:
GRID25_BARS = {
    # seeds 0-2 (README): 25, 25, 23 modes; 77.8-91.1 % high quality
    "gan-grid25": (20, 0.6, 0.7),
    # seed 0 (the preset's): 25 modes, 93.8-95.6 % high quality, reverse KL 0.002-0.005 (seeds
    # 0-6 in the README: 90.0-100 %); the bar leaves room for the spread between machines
    "categorical-grid25": (25, 0.9, 0.05),
    # make lab, seeds 0-2 (README): 25 modes, 100 % high quality, reverse KL 0.003 in each run
    "infogan-grid25": (25, 0.95, 0.03),
}


@pytest.mark.slow
@pytest.mark.parametrize("preset", GRID25_BARS)
def test_grid25_preset_reaches_its_measured_bar(preset, tmp_path):
    cfg = load_preset(preset, ["train.tensorboard=false"])
    train(cfg, tmp_path / "run", progress=False, log=lambda *_: None)
    row = json.loads((tmp_path / "run" / "eval.jsonl").read_text().splitlines()[-1])
    modes, high_quality, reverse_kl = GRID25_BARS[preset]
    assert row["modes"] >= modes and row["high_quality"] >= high_quality and row["reverse_kl"] < reverse_kl
