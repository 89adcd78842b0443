"""ONNX and TorchScript exports of a sampler and of translators: dynamic batch, outputs equal
to PyTorch's within the stated tolerance, the convention written beside, one-line refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from gankit.cli import main
from gankit.inference import load
from gankit.train import train
from tests.test_cyclegan import _cyclegan
from tests.test_pix2pix import _pix2pix


@pytest.fixture(scope="module")
def dcgan_run(tmp_path_factory):
    from tests.conftest import make_idx_dataset, tiny_config

    root = tmp_path_factory.mktemp("dcgan")
    run = root / "run"
    train(tiny_config(make_idx_dataset(root / "fm"), steps=2), run, progress=False)
    return run


@pytest.mark.parametrize("fmt", ["onnx", "torchscript"])
def test_a_dcgan_sampler_exports_and_matches_pytorch(capsys, dcgan_run, tmp_path, fmt):
    out = tmp_path / f"g.{fmt}"
    assert main(["export", str(dcgan_run), "--format", fmt, "--out", str(out)]) == 0
    record = json.loads(out.with_name(out.name + ".json").read_text())
    assert record["kind"] == "sampler" and record["checked"]["max_abs_diff"] <= 1e-4
    assert "N(0, I)" in record["inputs"]["z"]
    sampler = load(dcgan_run)
    z = torch.randn(5, sampler.latent_dim)
    expected = sampler.generator.eval()(z).detach()
    if fmt == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
        got = torch.from_numpy(session.run(None, {"z": z.numpy()})[0])
    else:
        got = torch.jit.load(str(out))(z)
    assert got.shape == (5, 1, 28, 28) and float((got - expected).abs().max()) < 1e-4


@pytest.mark.parametrize("fmt", ["onnx", "torchscript"])
def test_translators_export_pix2pix_and_both_cyclegan_directions(capsys, paired_dir, tmp_path, fmt):
    from tests.conftest import make_unpaired_folders

    pix = tmp_path / "pix"
    train(_pix2pix(paired_dir, steps=2), pix, progress=False)
    cyc = tmp_path / "cyc"
    root = make_unpaired_folders(tmp_path / "u")
    train(_cyclegan({"dataset": "unpaired", "root": str(root), "image_size": 16}, steps=2), cyc,
          progress=False)
    for run, model in ((pix, None), (cyc, "AB"), (cyc, "BA")):
        args = ["export", str(run), "--format", fmt] + (["--direction", model] if model else [])
        assert main(args) == 0, capsys.readouterr().err
        name = model or "translator"
        path = run / "deploy" / f"{name}{'.onnx' if fmt == 'onnx' else '.torchscript.pt'}"
        record = json.loads(path.with_name(path.name + ".json").read_text())
        assert record["kind"] == "translator" and record["model"] == name
        translator = load(run, model=model)
        x = torch.rand(4, *translator.source_shape) * 2 - 1
        if fmt == "onnx":
            import onnxruntime

            session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            got = session.run(None, {"image": x.numpy()})[0]
        else:
            got = torch.jit.load(str(path))(x).numpy()
        np.testing.assert_allclose(got, translator.translate(x).numpy(), atol=1e-4)


def test_refusals_are_one_line(capsys, dcgan_run, tmp_path):
    assert main(["export", str(dcgan_run), "--format", "onnx", "--model", "nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nope" in err
