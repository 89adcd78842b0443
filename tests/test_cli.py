import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from gankit.cli import main
from gankit.data.idx import write_idx

TINY = ["--set", "data.image_size=28", "--set", "nets.G.width=8", "--set", "nets.D.width=8",
        "--set", "nets.G.latent_dim=8", "--set", "train.tensorboard=false",
        "--set", "train.grid_size=8", "--batch-size", "16", "--no-progress"]


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_train_sample_interpolate_end_to_end(capsys, idx_dir, tmp_path):
    run = tmp_path / "run"
    code, out, err = run_cli(capsys, "train", "--preset", "dcgan-fashion-mnist", "--out", run,
                             "--steps", 4, "--data-dir", idx_dir, *TINY)
    assert code == 0, err
    assert "step 4" in out
    code, out, err = run_cli(capsys, "sample", run, "--n", 10, "--out", tmp_path / "s.npz",
                             "--grid", tmp_path / "s.png")
    assert code == 0, err
    images = np.load(tmp_path / "s.npz")["images"]
    assert images.shape == (10, 28, 28, 1) and images.dtype == np.uint8
    assert Image.open(tmp_path / "s.png").size[0] > 28
    code, _, err = run_cli(capsys, "interpolate", run, "--out", tmp_path / "w.png", "--rows", 3,
                           "--steps", 5)
    assert code == 0, err
    width, height = Image.open(tmp_path / "w.png").size
    assert width > height  # 5 columns, 3 rows
    # resume to a higher total
    code, out, err = run_cli(capsys, "train", "--resume", run, "--steps", 6, "--no-progress")
    assert code == 0, err
    assert "step 6" in out and "steps = 6" in (run / "config.toml").read_text()


def test_toy_sample_writes_points(capsys, tmp_path):
    run = tmp_path / "toy"
    code, _, err = run_cli(capsys, "train", "--preset", "gan-ring8", "--out", run, "--steps", 3,
                           "--set", "data.toy_samples=500", "--set", "train.tensorboard=false",
                           "--set", "train.grid_size=50", "--no-progress")
    assert code == 0, err
    code, _, err = run_cli(capsys, "sample", run, "--n", 7, "--out", tmp_path / "p.npz",
                           "--grid", tmp_path / "p.png")
    assert code == 0, err
    points = np.load(tmp_path / "p.npz")["points"]
    assert points.shape == (7, 2) and points.dtype == np.float32
    code, _, err = run_cli(capsys, "interpolate", run, "--out", tmp_path / "w.png")
    assert code == 2 and "generates 2-D points" in err


def test_presets_lists_every_preset(capsys):
    code, out, _ = run_cli(capsys, "presets")
    assert code == 0
    assert "dcgan-fashion-mnist" in out and "gan-mlp-fashion-mnist" in out


def _one_line_error(capsys, *argv, match):
    code, _, err = run_cli(capsys, *argv)
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("gankit: error: ") and match in lines[0], lines[0]
    assert "Traceback" not in err


def test_bad_input_gives_one_line(capsys, tmp_path, idx_dir):
    out = tmp_path / "r"
    _one_line_error(capsys, "train", "--preset", "nope", "--out", out,
                    match="unknown preset 'nope'; valid presets: acgan-fashion-mnist, ")
    _one_line_error(capsys, "train", "--preset", "dcgan-fashion-mnist", "--out", out,
                    "--set", "train.lr=1", match="unknown config key 'train.lr'")
    _one_line_error(capsys, "train", "--preset", "dcgan-fashion-mnist", "--out", out,
                    "--set", "train.steps=lots", match="train.steps: expected an integer")
    _one_line_error(capsys, "train", "--resume", tmp_path, match="is not a gankit run")
    _one_line_error(capsys, "train", "--resume", tmp_path / "missing", match="no such run")
    _one_line_error(capsys, "sample", tmp_path, "--out", tmp_path / "x.npz",
                    match="is not a gankit run")
    _one_line_error(capsys, "train", "--preset", "dcgan-fashion-mnist", "--out", out,
                    "--data-dir", tmp_path / "empty", match="not found in")
    assert not (out / "checkpoints").exists()


def test_corrupt_idx_and_bad_folder_images(capsys, tmp_path, idx_dir):
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
        (bad / name).write_bytes((idx_dir / f"{name}.gz").read_bytes())
    write_idx(bad / "train-images-idx3-ubyte", np.zeros((4, 28, 28), np.uint8))
    (bad / "train-images-idx3-ubyte").write_bytes(
        (bad / "train-images-idx3-ubyte").read_bytes()[:-10])
    (bad / "train-labels-idx1-ubyte").unlink()
    write_idx(bad / "train-labels-idx1-ubyte", np.zeros(4, np.uint8))
    _one_line_error(capsys, "train", "--preset", "dcgan-fashion-mnist", "--out", tmp_path / "r",
                    "--data-dir", bad, match="train-images-idx3-ubyte: IDX file truncated")
    (bad / "train-images-idx3-ubyte").write_bytes(b"\x01\x02\x03\x04" + bytes(20))
    _one_line_error(capsys, "train", "--preset", "dcgan-fashion-mnist", "--out", tmp_path / "r",
                    "--data-dir", bad, match="bad magic number")

    folder = tmp_path / "imgs"
    folder.mkdir()
    Image.new("RGB", (8, 8)).save(folder / "a.png")
    (folder / "zero.png").write_bytes(b"")
    _one_line_error(capsys, "train", "--preset", "dcgan-fashion-mnist", "--out", tmp_path / "r",
                    "--set", "data.dataset=folder", "--data-dir", folder,
                    match="zero.png: empty (zero-byte) image file")


def test_existing_run_is_not_overwritten(capsys, tmp_path, idx_dir):
    run = tmp_path / "run"
    assert run_cli(capsys, "train", "--preset", "dcgan-fashion-mnist", "--out", run,
                   "--steps", 2, "--data-dir", idx_dir, *TINY)[0] == 0
    _one_line_error(capsys, "train", "--preset", "dcgan-fashion-mnist", "--out", run,
                    "--data-dir", idx_dir, match="already holds a run")
    _one_line_error(capsys, "train", "--resume", run, "--batch-size", 8,
                    match="--batch-size cannot change when resuming")
    _one_line_error(capsys, "train", "--resume", run, "--steps", 1,
                    match="--steps 1 is below the 2 steps")


def test_ctrl_c_saves_a_checkpoint_and_resume_finishes(tmp_path, idx_dir):
    run = tmp_path / "run"
    env = {**os.environ, "GANKIT_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "gankit", "train", "--preset", "dcgan-fashion-mnist",
           "--out", str(run), "--steps", "100000", "--data-dir", str(idx_dir),
           *[str(a) for a in TINY], "--set", "train.log_every=5",
           "--set", "train.checkpoint_every=100000", "--set", "train.sample_every=100000"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    metrics = run / "metrics.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and not (metrics.is_file() and metrics.stat().st_size > 0):
        time.sleep(0.2)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "gankit: stopped: SIGINT at step" in err and f"gankit train --resume {run}" in err
    assert "Traceback" not in err
    from gankit.train.checkpoint import latest_checkpoint, load_state

    stopped = load_state(latest_checkpoint(run))["step"]
    assert stopped >= 5
    code = subprocess.run([sys.executable, "-m", "gankit", "train", "--resume", str(run),
                           "--steps", str(stopped + 3), "--no-progress"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert code.returncode == 0, code.stderr
    assert load_state(latest_checkpoint(run))["step"] == stopped + 3


def test_console_script_help():
    exe = Path(sys.executable).parent / "gankit"
    result = subprocess.run([str(exe), "train", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "--resume RUN" in result.stdout
