"""Hostile and careless CLI calls (issue 24): each ends in one readable line, no traceback, a
non-zero exit, and every file written before it is intact."""

from __future__ import annotations

import errno
import hashlib
import os
import shlex
import shutil
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file, save_file

from gankit.cli import main
from gankit.runs import latest_checkpoint
from gankit.train.lock import RunLock

TINY = ["--set", "data.image_size=28", "--set", "nets.G.width=8", "--set", "nets.D.width=8",
        "--set", "nets.G.latent_dim=8", "--set", "train.tensorboard=false",
        "--set", "train.grid_size=8", "--set", "train.precision=fp32", "--batch-size", "16",
        "--no-progress"]


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def refused(capsys, *argv, match: str) -> str:
    """Run a CLI call that must fail with one line containing `match`; return that line."""
    code, _, err = cli(capsys, *argv)
    assert code != 0, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("gankit: error: ") and match in lines[0], lines[0]
    return lines[0]


def snapshot(root: Path) -> dict[str, str]:
    """Every file under `root` with its content digest (symlinks by target)."""
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            files[str(path.relative_to(root))] = "-> " + os.readlink(path)
        elif path.is_file():
            files[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def train(capsys, idx_dir, run, *extra) -> None:
    code, _, err = cli(capsys, "train", "--preset", "dcgan-fashion-mnist", "--data-dir", idx_dir,
                       "--out", run, *TINY, *extra)
    assert code == 0, err


@pytest.fixture
def run(capsys, idx_dir, tmp_path):
    path = tmp_path / "run"
    train(capsys, idx_dir, path, "--steps", 2)
    return path


def test_output_paths_are_one_line_and_an_old_file_survives(capsys, run, tmp_path):
    good = tmp_path / "s.npz"
    assert cli(capsys, "sample", run, "--n", 5, "--out", good)[0] == 0
    before = snapshot(tmp_path)
    sample = ["sample", run, "--n", 5]
    refused(capsys, *sample, "--out", good, "--grid", tmp_path / "g.xyz", match="a picture must end in .png")
    refused(capsys, *sample, "--out", tmp_path / "noext", match="the samples file must end in .npz")
    refused(capsys, *sample, "--out", good / "below.npz", match="s.npz is a file, not a folder")
    refused(capsys, *sample, "--out", tmp_path / ("x" * 300 + ".npz"),
            match="longer than the file system allows")
    (tmp_path / "dir.npz").mkdir()
    refused(capsys, *sample, "--out", tmp_path / "dir.npz", match="dir.npz is a folder; give a file name")
    refused(capsys, "sample", run, "--n", 10**12, "--out", good, match="GB at")
    if not torch.cuda.is_available():
        refused(capsys, *sample, "--device", "cuda", "--out", good, match="no CUDA device")
    (tmp_path / "dir.npz").rmdir()
    assert snapshot(tmp_path) == before
    assert np.load(good)["images"].shape == (5, 28, 28, 1)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder(capsys, run, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        refused(capsys, "sample", run, "--n", 2, "--out", locked / "s.npz", match="permission denied")
    finally:
        locked.chmod(0o700)


def test_a_write_that_fails_midway_leaves_the_old_file(capsys, run, tmp_path, monkeypatch):
    """Fault injection: the disk fills up, then a signal arrives, half-way through the .npz."""
    good = tmp_path / "s.npz"
    assert cli(capsys, "sample", run, "--n", 5, "--seed", 1, "--out", good)[0] == 0
    expected = np.load(good)["images"]
    from gankit.inference import outputs

    for failure in (OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()):
        def dying_to_uint8(samples, failure=failure):
            raise failure

        monkeypatch.setattr(outputs, "to_uint8", dying_to_uint8)
        code, _, err = cli(capsys, "sample", run, "--n", 5, "--seed", 2, "--out", good)
        assert code != 0 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
        if isinstance(failure, OSError):
            assert "No space left on device" in err or "no space left" in err
        assert np.array_equal(np.load(good)["images"], expected)
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
        monkeypatch.undo()


def test_non_finite_weights_are_never_a_checkpoint_and_the_advice_works(capsys, idx_dir, tmp_path,
                                                                        monkeypatch):
    from gankit.recipes.gan import GANRecipe

    real_step = GANRecipe.train_step
    calls = []

    def diverging_step(self, batches):
        losses = real_step(self, batches)
        calls.append(1)
        if len(calls) == 2:  # the second step's update blows G up
            with torch.no_grad():
                for p in self.nets["G"].parameters():
                    p.fill_(float("inf"))
        return losses

    monkeypatch.setattr(GANRecipe, "train_step", diverging_step)
    run = tmp_path / "nan"
    line = refused(capsys, "train", "--preset", "dcgan-fashion-mnist", "--data-dir", idx_dir, "--out", run,
                   *TINY, "--steps", 6, "--set", "train.checkpoint_every=1", match="NaN or inf at step 2")
    assert "last good checkpoint: " in line and latest_checkpoint(run).name == "step-00000001"
    for path in latest_checkpoint(run).glob("*.safetensors"):
        assert all(torch.isfinite(t).all() for t in load_file(path).values())
    monkeypatch.undo()
    advice = shlex.split(line.split("with lower learning rates: ")[1])
    assert advice[:3] == ["gankit", "train", "--resume"]
    code, _, err = cli(capsys, *advice[1:], "--no-progress")
    assert code == 0, err
    assert latest_checkpoint(run).name == "step-00000006"
    assert "optim.lr.G" in (run / "resumes.jsonl").read_text()


def test_sampling_broken_weights_is_refused(capsys, run, tmp_path):
    weights = latest_checkpoint(run) / "G_ema.safetensors"
    tensors = load_file(weights)
    save_file({k: torch.full_like(v, float("nan")) if v.is_floating_point() else v
               for k, v in tensors.items()}, weights)
    refused(capsys, "sample", run, "--n", 4, "--out", tmp_path / "s.npz", match="NaN or inf")
    assert not (tmp_path / "s.npz").exists()


def test_a_refused_resume_changes_nothing(capsys, run):
    before = snapshot(run)
    if not torch.cuda.is_available():
        refused(capsys, "train", "--resume", run, "--device", "cuda", "--steps", 3, match="cuda")
        refused(capsys, "train", "--resume", run, "--precision", "fp16", "--steps", 3, match="fp16")
    refused(capsys, "train", "--resume", run, "--set", "nets.G.width=16", "--steps", 3,
            match="nets.G.width")
    assert snapshot(run) == before
    assert cli(capsys, "train", "--resume", run, "--steps", 3, "--no-progress")[0] == 0


def test_a_second_training_of_one_run_is_refused(capsys, run):
    lock = RunLock(run).acquire()
    try:
        before = snapshot(run)
        refused(capsys, "train", "--resume", run, "--steps", 3, "--no-progress",
                match=f"is being trained by pid {os.getpid()}")
        assert snapshot(run) == before
    finally:
        lock.release()
    assert cli(capsys, "train", "--resume", run, "--steps", 3, "--no-progress")[0] == 0


def test_a_stale_newer_checkpoint_is_replaced_not_adopted(capsys, idx_dir, tmp_path):
    run = tmp_path / "run"
    train(capsys, idx_dir, run, "--steps", 4, "--set", "train.checkpoint_every=2",
          "--set", "train.keep_checkpoints=5")
    root = run / "checkpoints"
    (root / "latest").unlink()
    (root / "latest").symlink_to("step-00000002")  # a manual rollback to step 2
    (root / "step-00000004" / "stale-marker").write_text("the old step 4")
    assert cli(capsys, "train", "--resume", run, "--steps", 6, "--no-progress")[0] == 0
    assert not (root / "step-00000004" / "stale-marker").exists()
    assert latest_checkpoint(run).name == "step-00000006"


def test_leftovers_of_a_kill_are_cleaned(capsys, run):
    root = run / "checkpoints"
    (root / ".latest-99999").symlink_to("step-00000099")  # dangling
    (root / ".tmp-step-00000003-99999").mkdir()
    (root / ".trash-step-00000001-99999").mkdir()
    assert cli(capsys, "train", "--resume", run, "--steps", 3, "--no-progress")[0] == 0
    assert sorted(p.name for p in root.iterdir()) == ["latest", "step-00000002", "step-00000003"]


def test_a_full_disk_at_the_first_checkpoint_is_one_line(capsys, idx_dir, tmp_path, monkeypatch):
    from gankit.train import checkpoint

    def full_disk(tensors, path, metadata=None):
        Path(path).write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(checkpoint, "save_file", full_disk)
    run = tmp_path / "run"
    refused(capsys, "train", "--preset", "dcgan-fashion-mnist", "--data-dir", idx_dir, "--out", run,
            *TINY, "--steps", 2, match="no space left on the device")
    assert not list((run / "checkpoints").glob(".tmp-*"))


def test_out_refuses_a_users_folder(capsys, idx_dir, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "losses.png").write_bytes(b"my own picture")
    (mine / "notes.txt").write_text("keep me")
    args = ["train", "--preset", "dcgan-fashion-mnist", "--data-dir", idx_dir, "--out", mine, *TINY,
            "--steps", 1]
    before = snapshot(mine)
    refused(capsys, *args, match="is a folder with other files in it")
    assert snapshot(mine) == before
    assert cli(capsys, *args, "--force")[0] == 0
    assert (mine / "notes.txt").read_text() == "keep me"


def _png_header_only(path: Path, width: int, height: int) -> None:
    """A tiny PNG whose header claims width x height (valid CRCs)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))


def _folder(path: Path, n: int, make) -> Path:
    path.mkdir()
    for i in range(n):
        make().save(path / f"{i:03d}.png")
    return path


def test_hostile_images(capsys, tmp_path):
    gray = np.random.default_rng(0).integers(0, 256, (28, 28)).astype(np.uint8)
    bombs = _folder(tmp_path / "bombs", 20, lambda: Image.fromarray(gray))
    _png_header_only(bombs / "huge.png", 15000, 15000)
    refused(capsys, "train", "--preset", "dcgan-folder", "--data", bombs, "--out", tmp_path / "r",
            "--batch-size", 8, "--steps", 1, "--no-progress",
            match="huge.png: refusing an image of 225,000,000")
    rgb = _folder(tmp_path / "rgb", 20, lambda: Image.fromarray(np.stack([gray] * 3, -1)))
    refused(capsys, "eval", "--real", rgb, "--fake", rgb, "--features", "fmnist", match="3-channel images")


def test_16_bit_and_transparent_images_are_read_faithfully():
    from gankit.data.folder import to_8bit

    ramp = np.linspace(0, 65535, 64 * 64).reshape(64, 64).astype(np.uint16)
    eight = np.asarray(to_8bit(Image.fromarray(ramp), 1))
    assert (eight == 255).mean() < 0.01 and abs(eight.mean() - 127.5) < 1  # scaled, not clipped
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:4, :, 3] = 255  # top half opaque red, bottom half fully transparent
    out = np.asarray(to_8bit(Image.fromarray(rgba, "RGBA"), 3))
    assert (out[:4] == [255, 0, 0]).all() and (out[4:] == 255).all()  # on white


@pytest.mark.parametrize("setting, match", [
    ("data.num_workers=-1", "data.num_workers: must be zero or positive"),
    ("optim.lr.G=nan", "optim.lr.G: must be positive, got nan"),
    ("nets.G.width=-4", "nets.G.width: must be positive"),
    ("optim.beta1=1.5", "optim.beta1"),
    ("train.seed=" + str(2**70), "train.seed: must be in"),
    ("nets.G.latent_dim=100000000000", "a layer asks for"),
])
def test_bad_values_are_one_line(capsys, idx_dir, tmp_path, setting, match):
    refused(capsys, "train", "--preset", "dcgan-fashion-mnist", "--data-dir", idx_dir,
            "--out", tmp_path / "r", *TINY, "--steps", 1, "--set", setting, match=match)


def test_bad_preset_and_config_files(capsys, run, tmp_path):
    for name, content in (("empty.toml", b""), ("comments.toml", b"# only a comment\n")):
        (tmp_path / name).write_bytes(content)
        refused(capsys, "train", "--preset", tmp_path / name, "--out", tmp_path / "r",
                match="preset file is empty")
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe\x00garbage\x80")
    refused(capsys, "train", "--preset", tmp_path / "binary.toml", "--out", tmp_path / "r",
            match="not a text file")
    shutil.copy(run / "config.toml", tmp_path / "config.backup")
    (run / "config.toml").write_bytes(b"\xff\xfe\x00garbage\x80")
    refused(capsys, "train", "--resume", run, "--steps", 3, match="not a text file")


def test_soak_script_smoke(tmp_path):
    """scripts/soak_kill.py (run by hand with many kills) still runs: one kill, then a resume
    that must end bit-identical to an uninterrupted run."""
    import json
    import subprocess
    import sys

    script = Path(__file__).parents[1] / "scripts" / "soak_kill.py"
    done = subprocess.run([sys.executable, script, "--kills", "1", "--steps", "4", "--max-delay", "2",
                           "--slow-writes", "0", "--work", tmp_path], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["kills"] == 1 and report["identical_to_uninterrupted"]
