"""Every benchmark runs for a couple of steps, so none can rot unnoticed (its figures are
measured by hand, not asserted here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"


def _run(*args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout,
                          env=env, cwd=BENCHMARKS.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_train_throughput_runs_a_few_steps(idx_dir):
    done = _run(str(BENCHMARKS / "train_throughput.py"), "--steps", "2", "--warmup", "1",
                "--repeats", "1", "--batch-size", "8", "--image-size", "32",
                "--set", f'data.root="{idx_dir}"', "--set", "nets.G.width=8", "--set", "nets.D.width=8")
    row = json.loads(done.stdout.strip().splitlines()[-1])
    assert row["plain_img_per_s"] > 0 and row["gankit_img_per_s"] > 0 and row["ratio"] > 0


def test_metrics_speed_runs_on_small_sets():
    done = _run(str(BENCHMARKS / "metrics_speed.py"), "--n", "300", "--dim", "16", "--parts", "metrics")
    assert "fid: gankit" in done.stdout and "kid: gankit" in done.stdout


@pytest.mark.parametrize("script", sorted(p.name for p in BENCHMARKS.glob("*.py")))
def test_every_benchmark_explains_itself(script):
    assert "usage" in _run(str(BENCHMARKS / script), "--help", timeout=60).stdout


def test_the_gpu_suite_script_parses():
    done = subprocess.run(["bash", "-n", str(BENCHMARKS / "gpu_suite.sh")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_train_throughput_runs_the_cyclegan_loop(idx_dir):
    tiny = [f"nets.{role}.width=4" for role in ("G", "F", "D_A", "D_B")]
    tiny += ["nets.G.blocks=1", "nets.F.blocks=1"]
    done = _run(str(BENCHMARKS / "train_throughput.py"), "--preset", "cyclegan-fashion", "--steps", "2",
                "--warmup", "1", "--repeats", "1", "--batch-size", "2", "--threads", "1",
                "--set", f'data.root="{idx_dir}"', *(x for o in tiny for x in ("--set", o)))
    row = json.loads(done.stdout.strip().splitlines()[-1])
    assert row["preset"] == "cyclegan-fashion" and row["threads"] == 1 and row["ratio"] > 0


def test_time_to_quality_runs_a_tiny_race(idx_dir):
    done = _run(str(BENCHMARKS / "time_to_quality.py"), "--minutes", "0.05", "--marks", "2", "--n", "64",
                "--set", f'data.root="{idx_dir}"', "--set", "nets.G.width=8", "--set", "nets.D.width=8",
                "--set", "data.image_size=32")
    row = json.loads(done.stdout.strip().splitlines()[-1])
    assert [len(row["curves"][k]) for k in ("gankit", "plain")] == [2, 2]
    assert all(r["fid"] > 0 for k in ("gankit", "plain") for r in row["curves"][k])
    assert row["cpu_flags"] is not None


def test_upscale_memory_tiles_a_small_photo(tmp_path):
    from PIL import Image

    photo = tmp_path / "photo.png"
    Image.effect_mandelbrot((200, 120), (-2, -1, 1, 1), 50).convert("RGB").save(photo)
    done = _run(str(BENCHMARKS / "upscale_memory.py"), "--photo", str(photo), "--side", "160", "--crop", "60",
                "--tile", "16",
                "--overlap", "16", "--width", "8", "--blocks", "2")
    row = json.loads(done.stdout.strip().splitlines()[-1])
    assert row["full"]["output"][1] == 4 * 160 and row["max_difference"] < 1e-5
    assert row["crop_tiled"]["peak_mib"] > 0
