"""The CUDA paths: skipped without a GPU (CI has none); `benchmarks/gpu_suite.sh` runs them on
a GPU machine together with the benchmarks."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from gankit.config import to_toml
from gankit.objectives import gradient_penalty
from gankit.runtime.precision import Precision
from gankit.train import Trainer, train
from gankit.train.checkpoint import latest_checkpoint
from tests.conftest import tiny_config
from tests.test_distributed import torchrun

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")



def _max_diff(run_a, run_b, name: str) -> float:
    a = load_file(latest_checkpoint(run_a) / f"{name}.safetensors")
    b = load_file(latest_checkpoint(run_b) / f"{name}.safetensors")
    return max(float((a[k].float() - b[k].float()).abs().max()) for k in a)


@pytest.mark.parametrize("precision", ["fp32", "bf16", "fp16"])
def test_cuda_training_keeps_fp32_weights_and_data_on_the_gpu(idx_dir, tmp_path, precision):
    cfg = tiny_config(idx_dir, steps=6, device="cuda", precision=precision)
    trainer = Trainer(cfg, tmp_path / "run", progress=False)
    trainer.run()
    assert trainer.source.fields["image"].device.type == "cuda"  # in-memory data lives on the GPU
    assert trainer.runtime.precision == precision
    for net in trainer.recipe.modules().values():
        for p in net.parameters():
            assert p.device.type == "cuda" and p.dtype == torch.float32 and torch.isfinite(p).all()
    rows = [json.loads(r) for r in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert all(torch.isfinite(torch.tensor(r["loss_d"])) for r in rows)


@pytest.mark.parametrize("precision", ["fp32", "fp16"])
def test_cuda_resume_continues_the_run(idx_dir, tmp_path, precision):
    """Resuming restores weights, optimisers, the CUDA RNG and (fp16) the grad scaler. cuDNN's
    backward kernels are not bit-deterministic, so the runs agree to rounding, not bits."""
    straight, split = tmp_path / "straight", tmp_path / "split"
    train(tiny_config(idx_dir, steps=8, device="cuda", precision=precision), straight,
          progress=False)
    train(tiny_config(idx_dir, steps=5, device="cuda", precision=precision), split,
          progress=False)
    state = torch.load(latest_checkpoint(split) / "state.pt", weights_only=True)
    assert "cuda" in state["rng"]  # the CUDA generators' states are saved
    train(tiny_config(idx_dir, steps=8, device="cuda", precision=precision), split, resume=True,
          progress=False)
    for name in ("G", "D"):
        assert _max_diff(straight, split, name) < 2e-3, name


def test_fp16_gradient_penalty_on_cuda_matches_the_linear_critic_closed_form():
    """WGAN-GP's inner gradient under fp16 autocast and a grad scaler of 2^16."""
    w = torch.tensor([[0.6, -1.3, 0.4]], device="cuda", requires_grad=True)

    def critic(x):
        return torch.nn.functional.linear(x, w).view(-1)

    precision = Precision("fp16", torch.device("cuda"))
    real, fake = torch.randn(16, 3, device="cuda"), torch.randn(16, 3, device="cuda")
    with precision.autocast():
        gp = gradient_penalty(critic, real, fake, grad_scale=precision.grad_scale)
    norm = w.detach().norm()
    assert gp.dtype == torch.float32
    assert gp.item() == pytest.approx(((norm - 1) ** 2).item(), rel=1e-2)
    gp.backward()
    assert torch.allclose(w.grad, 2 * (norm - 1) * w.detach() / norm, rtol=2e-2, atol=1e-3)


def test_wgan_gp_trains_under_fp16_on_cuda(idx_dir, tmp_path):
    cfg = tiny_config(idx_dir, {"loss": "wasserstein", "gradient_penalty": 10.0, "n_critic": 2},
                      steps=4, device="cuda", precision="fp16")
    cfg.nets["D"].norm = "none"
    trainer = Trainer(cfg, tmp_path / "run", progress=False)
    trainer.run()
    rows = [json.loads(r) for r in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert rows and all(abs(r["loss_d"]) < 1e6 for r in rows)


@pytest.mark.parametrize("mode", ["default", "reduce-overhead"])
def test_compiled_bf16_training_on_cuda_matches_eager(idx_dir, tmp_path, mode):
    """Compiled with the auto layout (contiguous), also with CUDA graphs (reduce-overhead)."""
    weights = {}
    for setting in ("false", "true"):
        cfg = tiny_config(idx_dir, steps=3, device="cuda", precision="bf16", compile=setting,
                          compile_mode=mode)
        trainer = Trainer(cfg, tmp_path / setting, progress=False)
        trainer.run()
        weights[setting] = trainer.recipe.modules()["G"].state_dict()
    diffs = torch.cat([(v.float() - weights["true"][k].float()).abs().flatten()
                       for k, v in weights["false"].items()])
    # as on CPU (test_runtime): Adam's first steps can turn a reordered sum into one lr step
    assert float(diffs.max()) < 1e-3


def test_toy_run_on_cuda_saves_scatter_plots_and_its_mode_report(tmp_path):
    """Found on an H100: toy runs keep their points on the GPU, and the scatter plot read
    them as numpy arrays there (every toy run stopped at its first sample step)."""
    from gankit.config import config_from_dict

    cfg = config_from_dict({"data": {"dataset": "ring8", "toy_samples": 400},
                            "nets": {"G": {"arch": "mlp", "latent_dim": 2, "hidden": [8]},
                                     "D": {"arch": "mlp", "hidden": [8]}},
                            "train": {"device": "cuda", "steps": 4, "batch_size": 8, "sample_every": 2,
                                      "checkpoint_every": 4, "tensorboard": False, "grid_size": 10}})
    train(cfg, tmp_path / "run", progress=False)
    assert sorted(p.name for p in (tmp_path / "run" / "samples").glob("*.png")) == [
        "step-00000002.png", "step-00000004.png"]
    rows = [json.loads(r) for r in (tmp_path / "run" / "eval.jsonl").read_text().splitlines()]
    assert rows[-1]["metric"] == "toy_modes"


def test_torchrun_on_nccl_trains_and_evaluates(idx_dir, tmp_path):
    """One process per GPU of this machine, NCCL, in-training evaluation gathered on rank 0."""
    nproc = torch.cuda.device_count()
    config = tiny_config(idx_dir, steps=4, batch_size=16 * nproc, sample_every=4,
                         checkpoint_every=4, eval_every=4, eval_n=40, eval_metrics=["fid"],
                         eval_features="fmnist", backend="nccl", device="cuda")
    preset = tmp_path / "tiny.toml"
    preset.write_text(to_toml(config))
    run = tmp_path / "run"
    done = torchrun(["--standalone", f"--nproc_per_node={nproc}", "-m", "gankit", "train",
                     "--preset", str(preset), "--out", str(run), "--no-progress"])
    assert "runtime: cuda" in done.stdout
    assert (run / "checkpoints" / "latest" / "G.safetensors").is_file()
    rows = [json.loads(r) for r in (run / "eval.jsonl").read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["n_fake"] == 40
