"""Runtime settings: precision, channels-last, compile, torchrun sharding and their errors."""

from __future__ import annotations

import pytest
import torch

from gankit.config import config_from_dict
from gankit.data import BatchStream, DataSpec, Source
from gankit.errors import GankitError
from gankit.objectives import gradient_penalty
from gankit.objectives.penalties import input_gradient
from gankit.recipes import build_recipe
from gankit.runtime.distributed import World, pick_backend, rank_seed, shard
from gankit.runtime.noise import LatentStream
from gankit.runtime.precision import Precision
from gankit.runtime.settings import resolve_device, resolve_runtime
from gankit.train import Trainer
from tests.conftest import tiny_config


def _cfg(**sections):
    values = {"data": {"dataset": "ring8", "toy_samples": 500},
              "nets": {"G": {"arch": "mlp", "latent_dim": 4, "hidden": [16]},
                       "D": {"arch": "mlp", "hidden": [16]}},
              "train": {"batch_size": 32, "device": "cpu"}}
    for name, extra in sections.items():
        values.setdefault(name, {}).update(extra)
    return config_from_dict(values)


@pytest.mark.parametrize(("sections", "world", "message"), [
    ({"train": {"precision": "fp16", "device": "cpu"}}, World(), "fp16 .* needs CUDA"),
    ({"train": {"batch_size": 32}}, World(0, 3), "batch_size 32 .* across the 3 processes"),
    ({"gan": {"pack": 4}, "train": {"batch_size": 48}}, World(0, 8),
     "pack = 4 does not divide the batch per process \\(48 / 8"),
    ({"train": {"sync_batchnorm": True}}, World(), "SyncBatchNorm runs only on CUDA"),
    ({"train": {"backend": "nccl", "device": "cpu"}}, World(), "nccl needs CUDA devices"),
    ({"train": {"compile": True}, "gan": {"loss": "wasserstein", "gradient_penalty": 10.0}},
     World(), "double backward"),
])
def test_impossible_runtime_settings_are_refused_in_one_line(sections, world, message):
    from gankit.data import data_spec
    from gankit.recipes import StepContext, recipe_class

    with pytest.raises(GankitError, match=message) as err:
        cfg = _cfg(**sections)
        recipe = recipe_class(cfg.recipe)
        resolve_runtime(cfg, world, recipe.double_backward(cfg))
        recipe(cfg, data_spec(cfg.data), StepContext(world=world))
    assert "\n" not in str(err.value)


def test_nccl_needs_cuda_and_auto_picks_gloo_on_cpu():
    assert pick_backend("auto", "cpu") == "gloo"
    with pytest.raises(GankitError, match="nccl needs CUDA devices"):
        pick_backend("nccl", "cpu")


def test_more_ranks_than_gpus_on_a_node_is_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert resolve_device("cuda", World(0, 2, 0)) == torch.device("cuda", 0)
    with pytest.raises(GankitError, match=r"more processes on this node than it has CUDA devices \(1\)"):
        resolve_device("cuda", World(1, 2, 1))


def test_compile_without_a_compiler_is_refused(monkeypatch):
    monkeypatch.setattr("gankit.runtime.settings.shutil.which", lambda name: None)
    with pytest.raises(GankitError, match="train.compile: inductor on CPU needs a C\\+\\+ compiler"):
        resolve_runtime(_cfg(train={"compile": "true"}), World())


def test_auto_settings_say_what_they_picked_on_cpu():
    runtime = resolve_runtime(_cfg(), World())
    assert (runtime.device.type, runtime.precision, runtime.channels_last, runtime.compile) == \
        ("cpu", "fp32", False, False)
    assert "auto: precision fp32, compile off, channels_last off" in runtime.line()


def _pretend_cuda(monkeypatch):
    for name, value in (("is_available", True), ("is_bf16_supported", True), ("current_device", 0)):
        monkeypatch.setattr(torch.cuda, name, lambda value=value: value)
    monkeypatch.setattr("gankit.runtime.settings.compiler_missing", lambda device: None)


def test_cuda_settings_compiled_conv_nets_stay_contiguous(monkeypatch):
    """On CUDA: fp32 eager, bf16 compiled (as measured on an H100); compiled DCGANs without
    channels-last (PyTorch 2.11's compiled conv backward failed on it); CUDA graphs marked for
    the compile modes that use them."""
    _pretend_cuda(monkeypatch)
    dcgan = {"data": {"dataset": "fashion-mnist"}, "nets": {"G": {"arch": "dcgan"}, "D": {"arch": "dcgan"}}}
    eager = resolve_runtime(_cfg(**dcgan, train={"device": "cuda"}), World())
    assert (eager.precision, eager.channels_last, eager.cuda_graphs) == ("fp32", True, False)
    compiled = resolve_runtime(_cfg(**dcgan, train={"device": "cuda", "compile": "true",
                                                     "compile_mode": "reduce-overhead"}), World())
    assert (compiled.precision, compiled.channels_last, compiled.cuda_graphs) == ("bf16", False, True)
    with pytest.raises(GankitError, match="channels-last conv backward"):
        resolve_runtime(_cfg(**dcgan, train={"device": "cuda", "compile": "true",
                                             "channels_last": "true"}), World())


def test_rank_shares_of_batches_and_latents_make_up_the_single_process_ones():
    source = Source("toy", DataSpec("points", {"image": (2,)}), {"image": torch.arange(200.0).view(100, 2)})
    single = BatchStream(source, 20, seed=3)
    ranks = [BatchStream(source, 20, seed=3, rank=r, world_size=2) for r in (0, 1)]
    for draw in (0, 4, 5, 13):  # across epochs too (5 draws per epoch)
        together = torch.cat([s.indices(draw) for s in ranks])
        assert sorted(together.tolist()) == sorted(single.indices(draw).tolist())
    alone = LatentStream(7, 3, World(), torch.device("cpu")).draw(8)
    parts = [LatentStream(7, 3, World(r, 2), torch.device("cpu")).draw(4) for r in (0, 1)]
    assert torch.equal(torch.cat(parts), alone)
    assert rank_seed(5, 0) == 5 and rank_seed(5, 1) != rank_seed(5, 2)
    assert [shard(10, World(r, 3)) for r in range(3)] == [slice(0, 3), slice(3, 6), slice(6, 10)]


def test_gradient_penalty_under_bf16_autocast_matches_the_linear_critic_closed_form():
    w = torch.tensor([[0.6, -1.3, 0.4]], requires_grad=True)  # D(x) = w·x: ‖∇D‖ = ‖w‖

    def critic(x):
        return torch.nn.functional.linear(x, w).view(-1)

    real, fake = torch.randn(16, 3), torch.randn(16, 3)
    with Precision("bf16").autocast():
        gp = gradient_penalty(critic, real, fake)
    norm = w.detach().norm()
    assert gp.dtype == torch.float32
    assert gp.item() == pytest.approx(((norm - 1) ** 2).item(), rel=2e-2)
    gp.backward()  # the double backward: d/dw (‖w‖ - 1)² = 2(‖w‖ - 1) w / ‖w‖
    assert torch.allclose(w.grad, 2 * (norm - 1) * w.detach() / norm, rtol=3e-2, atol=1e-3)


def test_scaled_inner_gradient_is_unscaled():
    x = torch.randn(4, 3, requires_grad=True)
    net = torch.nn.Linear(3, 1)
    plain = input_gradient(net, x)
    scaled = input_gradient(net, x, grad_scale=torch.tensor(65536.0))
    assert torch.allclose(plain, scaled, rtol=1e-6)


def test_inner_gradient_scale_fits_in_fp16():
    """Found on CUDA: with GradScaler's first scale (2^16) the fp16 critic's inner backward
    overflowed (65,536 > fp16's 65,504) and the gradient penalty read inf."""
    w = torch.tensor([[0.6, -1.3, 0.4]])

    def fp16_critic(x):
        return torch.nn.functional.linear(x.half(), w.half()).view(-1)

    x = torch.randn(8, 3, requires_grad=True)
    grad = input_gradient(fp16_critic, x, grad_scale=torch.tensor(65536.0))
    assert torch.isfinite(grad).all()
    assert torch.allclose(grad, w.expand(8, 3), rtol=1e-3)


def test_bf16_training_runs_and_keeps_fp32_weights(idx_dir, tmp_path):
    cfg = tiny_config(idx_dir, steps=3, precision="bf16")
    trainer = Trainer(cfg, tmp_path / "run", progress=False)
    trainer.run()
    assert trainer.runtime.precision == "bf16"
    for net in trainer.recipe.modules().values():
        assert all(p.dtype == torch.float32 and torch.isfinite(p).all() for p in net.parameters())


def test_channels_last_trains_the_same_weights(idx_dir, tmp_path):
    weights = {}
    for layout in ("false", "true"):
        trainer = Trainer(tiny_config(idx_dir, steps=3, channels_last=layout), tmp_path / layout,
                          progress=False)
        trainer.run()
        weights[layout] = trainer.recipe.modules()["G"].state_dict()
    for key, value in weights["false"].items():
        assert torch.allclose(value.float(), weights["true"][key].float(), rtol=1e-4, atol=1e-5), key


def test_frozen_net_gets_no_weight_gradients_and_is_restored():
    from gankit.data import data_spec

    cfg = _cfg()
    recipe = build_recipe(cfg, data_spec(cfg.data))
    disc = recipe.nets["D"]
    x = torch.randn(8, 2, requires_grad=True)
    with recipe.frozen("D"):
        disc(x).sum().backward()
    assert x.grad is not None and all(p.grad is None for p in disc.parameters())
    assert all(p.requires_grad for p in disc.parameters())


@pytest.mark.slow
def test_compiled_training_matches_eager(tmp_path):
    """torch.compile (inductor; needs a C++ compiler) of G and D: a minute of compiling."""
    weights = {}
    for setting in ("false", "true"):
        cfg = _cfg(train={"steps": 3, "compile": setting, "log_every": 1, "checkpoint_every": 3,
                          "sample_every": 3, "tensorboard": False})
        trainer = Trainer(cfg, tmp_path / setting, progress=False)
        trainer.run()
        weights[setting] = trainer.recipe.modules()["G"].state_dict()
    diffs = torch.cat([(v - weights["true"][k]).abs().flatten() for k, v in weights["false"].items()])
    # fused kernels sum in another order; Adam's first steps (≈ lr · sign of the gradient)
    # can turn that into up to a step of lr = 2e-4 where a gradient is near zero
    assert float(diffs.max()) < 4e-4
    assert float((diffs < 1e-5).float().mean()) > 0.95


def test_fp16_scaler_skips_non_finite_steps_and_exposes_its_scale_without_a_sync():
    """The GradScaler mechanics (fp16 training itself is refused on CPU, but the scaler runs)."""
    precision = Precision("fp16", "cpu")
    net = torch.nn.Linear(3, 1)
    opt = torch.optim.Adam(net.parameters(), lr=0.1)
    scale = precision.grad_scale
    assert isinstance(scale, torch.Tensor) and float(scale) == precision.scaler.get_scale()
    before = net.weight.detach().clone()
    with precision.autocast():
        out = net(torch.randn(4, 3))
    assert out.dtype == torch.float16
    precision.step(out.float().mean() * float("inf"), opt)
    assert torch.equal(before, net.weight)  # the step was skipped ...
    assert precision.scaler.get_scale() == float(scale) / 2  # ... and the scale halved
    restored = Precision("fp16", "cpu")
    restored.load_state_dict(precision.state_dict())
    assert restored.scaler.get_scale() == precision.scaler.get_scale()


def test_auto_precision_on_cpu_follows_the_probe_and_keeps_toys_in_fp32(monkeypatch, tmp_path):
    from gankit.runtime import cpu_probe

    dcgan = {"data": {"dataset": "fashion-mnist"}, "nets": {"G": {"arch": "dcgan"}, "D": {"arch": "dcgan"}}}
    for speedup, expected in ((1.7, "bf16"), (0.04, "fp32")):
        monkeypatch.setattr(cpu_probe, "bf16_speedup", lambda s=speedup: s)
        runtime = resolve_runtime(_cfg(**dcgan), World())
        assert runtime.precision == expected and f"bf16 {speedup:.2f}x fp32" in runtime.line()
    assert resolve_runtime(_cfg(), World()).precision == "fp32"  # the MLP toy: never bf16


def test_the_cpu_probe_is_measured_once_per_machine_and_cached(monkeypatch, tmp_path):
    from gankit.runtime import cpu_probe

    monkeypatch.setenv("GANKIT_CACHE", str(tmp_path))
    calls = []
    monkeypatch.setattr(cpu_probe, "_time",
                        lambda dtype: calls.append(dtype) or (1.0 if dtype is None else 0.5))
    assert cpu_probe.bf16_speedup() == 2.0 and len(calls) == 2
    assert cpu_probe.bf16_speedup() == 2.0 and len(calls) == 2  # from the cache
    assert (tmp_path / "cpu-probe.json").is_file()
