"""A newcomer's first hour: own folders from anywhere, moved data, scoring two sets of images,
inspection commands, samples as PNG files (issue 17)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from PIL import Image

from gankit.cli import main

TINY = ["--set", "nets.G.width=8", "--set", "nets.D.width=8", "--set", "nets.G.latent_dim=8",
        "--set", "train.tensorboard=false", "--set", "train.grid_size=4", "--set", "train.precision=\"fp32\"",
        "--batch-size", "8", "--no-progress"]


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def _folder(path, n=24, size=12, seed=0):
    rng = np.random.default_rng(seed)
    path.mkdir(parents=True)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(path / f"img{i:02d}.png")
    return path


def test_a_folder_run_resumes_and_evaluates_from_another_directory(capsys, tmp_path, monkeypatch):
    images = _folder(tmp_path / "work" / "glyphs")
    monkeypatch.chdir(tmp_path / "work")
    code, _, err = run_cli(capsys, "train", "--data", "glyphs", "--out", "run", "--steps", 2,
                           "--set", "data.image_size=28", *TINY)
    assert code == 0, err
    assert f'root = "{images}"' in (tmp_path / "work" / "run" / "config.toml").read_text()  # absolute
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "train", "--resume", "work/run", "--steps", 3, "--no-progress")
    assert code == 0, err
    code, out, err = run_cli(capsys, "eval", "work/run", "--features", "inception", "--metrics", "kid",
                             "--inception-weights", "nope.pt")
    assert code == 2 and "nope.pt" in err  # reached the extractor: the run and its data were found
    code, out, err = run_cli(capsys, "eval", "work/run", "--features", "fmnist", "--metrics", "kid")
    assert code == 2 and "3-channel images; the fmnist features are of grayscale" in err


def test_a_moved_dataset_is_accepted_after_a_check_and_other_data_refused(capsys, tmp_path):
    images = _folder(tmp_path / "glyphs")
    code, _, err = run_cli(capsys, "train", "--data", images, "--out", tmp_path / "run", "--steps", 2,
                           "--set", "data.image_size=28", *TINY)
    assert code == 0, err
    moved = tmp_path / "elsewhere" / "glyphs"
    moved.parent.mkdir()
    os.rename(images, moved)
    code, _, err = run_cli(capsys, "train", "--resume", tmp_path / "run", "--steps", 3)
    assert code == 2 and "does not exist; if the dataset moved, resume with --data-dir" in err
    other = _folder(tmp_path / "other", seed=1)
    code, _, err = run_cli(capsys, "train", "--resume", tmp_path / "run", "--steps", 3, "--data-dir", other)
    assert code == 2 and "is not the data" in err and "other content" in err
    fewer = _folder(tmp_path / "fewer", n=20)
    code, _, err = run_cli(capsys, "train", "--resume", tmp_path / "run", "--steps", 3, "--data-dir", fewer)
    assert code == 2 and "20 examples, the run had 24" in err
    code, out, err = run_cli(capsys, "train", "--resume", tmp_path / "run", "--steps", 3, "--data-dir", moved,
                             "--no-progress")
    assert code == 0, err
    assert f'root = "{moved}"' in (tmp_path / "run" / "config.toml").read_text()


def test_eval_of_two_sets_matches_a_direct_computation(capsys, tmp_path):
    import torch

    from gankit.metrics import extractor, fid, kid

    real, fake = tmp_path / "real", tmp_path / "fake"
    for folder, shift in ((real, 0), (fake, 60)):
        folder.mkdir()
        rng = np.random.default_rng(shift)
        for i in range(40):
            image = np.clip(rng.normal(100 + shift, 40, (28, 28)), 0, 255).astype(np.uint8)
            Image.fromarray(image).save(folder / f"{i}.png")
    np.savez(tmp_path / "fake.npz", images=np.stack([np.asarray(Image.open(fake / f"{i}.png"))[:, :, None]
                                                     for i in range(40)]))
    code, out, err = run_cli(capsys, "eval", "--real", real, "--fake", fake, "--features", "fmnist",
                             "--metrics", "fid,kid")
    assert code == 0, err
    extract = extractor("fmnist")
    load = lambda d: np.stack([np.asarray(Image.open(d / f"{i}.png")) for i in range(40)])  # noqa: E731
    a, b = extract.extract(load(real)).features, extract.extract(load(fake)).features
    assert f"FID        {fid(a, b):.4f}" in out
    assert f"KID        {kid(a, b)[0]:.4f} (one subset: no spread)" in out  # 40 < 1,000: no fake ±
    code, out_npz, err = run_cli(capsys, "eval", "--real", real, "--fake", tmp_path / "fake.npz",
                                 "--features", "fmnist", "--metrics", "fid")
    assert code == 0, err
    assert f"FID        {fid(a, b):.4f}" in out_npz
    del torch


def test_inspection_commands(capsys, tmp_path):
    import gankit

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"gankit {gankit.__version__}"
    code, out, _ = run_cli(capsys, "presets", "dcgan-fashion-mnist")
    assert code == 0 and "[nets.G]" in out and "ema_decay = 0.999" in out and "batch_size = 64" in out
    code, out, _ = run_cli(capsys, "presets", "dcgan-fashion-mnist", "--keys")
    assert code == 0 and "gan.gradient_penalty" in out and "WGAN-GP weight" in out
    code, out, _ = run_cli(capsys, "train", "--preset", "gan-ring8", "--out", tmp_path / "r", "--dry-run",
                           "--steps", 7)
    assert code == 0 and "# new run" in out and "steps = 7" in out and "100000 examples" in out
    assert not (tmp_path / "r").exists()
    assert {"load", "export", "load_generator"} <= set(dir(gankit)) and "gankit.load(" in gankit.__doc__


def test_sample_writes_a_png_per_sample_and_needs_somewhere_to_write(capsys, tmp_path, idx_dir):
    run = tmp_path / "run"
    code, _, err = run_cli(capsys, "train", "--preset", "dcgan-fashion-mnist", "--out", run, "--steps", 2,
                           "--data-dir", idx_dir, "--set", "data.image_size=28", *TINY)
    assert code == 0, err
    code, _, err = run_cli(capsys, "sample", run, "--n", 5, "--folder", tmp_path / "pngs")
    assert code == 0, err
    files = sorted((tmp_path / "pngs").iterdir())
    assert [f.name for f in files] == [f"{i:06d}.png" for i in range(5)]
    assert Image.open(files[0]).size == (28, 28)
    code, _, err = run_cli(capsys, "sample", run, "--n", 5)
    assert code == 2 and "say where the samples go" in err
    code, _, err = run_cli(capsys, "sample", run, "--n", 5, "--out", tmp_path / "s")
    assert code == 2 and "must end in .npz" in err
    rows = [json.loads(r) for r in (run / "metrics.jsonl").read_text().splitlines()]
    assert "lr_G" in rows[-1] and "lr_D" in rows[-1]
