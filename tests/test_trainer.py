import json

import pytest
import torch

import gankit
from gankit.errors import GankitError
from gankit.recipes.gan import GANRecipe
from gankit.train import Trainer, train
from gankit.train.checkpoint import latest_checkpoint
from tests.conftest import tiny_config


def _weights(run_dir, name):
    from safetensors.torch import load_file

    return load_file(latest_checkpoint(run_dir) / f"{name}.safetensors")


def test_run_directory_contents(tiny_cfg, tmp_path):
    run = tmp_path / "run"
    result = train(tiny_cfg, run, progress=False)
    assert result.step == 6 and result.images_per_second > 0
    assert (run / "config.toml").is_file() and (run / "losses.png").is_file()
    assert sorted(p.name for p in (run / "samples").iterdir()) == [
        "step-00000003.png", "step-00000006.png"]
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [2, 4, 6]
    assert {"loss_d", "loss_g", "img_per_s"} <= set(rows[0])
    latest = run / "checkpoints" / "latest"
    assert {p.name for p in latest.iterdir()} == {
        "G.safetensors", "D.safetensors", "state.pt", "nets.json", "model.json"}


class _StopAtCheck:
    """Stands in for StopRequests: reports a SIGINT at the k-th step boundary."""

    def __init__(self, k):
        self.k, self.checks = k, 0

    def __call__(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    @property
    def requested(self):
        self.checks += 1
        return "SIGINT" if self.checks == self.k else None


def _assert_same_weights(run_a, run_b, names):
    for name in names:
        a, b = _weights(run_a, name), _weights(run_b, name)
        assert a.keys() == b.keys()
        for key in a:
            assert torch.equal(a[key], b[key]), (name, key)


@pytest.mark.parametrize("extra", [{}, {"ema_decay": 0.9, "lr_decay_start": 0.5,
                                        "gan": {"n_critic": 2, "diffaugment": "color,translation,cutout"}},
                                   {"ema_decay": 0.9, "gan": {"diffaugment": "color,cutout",
                                                              "diffaugment_target": 0.6,
                                                              "diffaugment_kimg": 0.05}}],
                         ids=["plain", "ema-decay-ncritic-diffaugment", "adaptive-diffaugment"])
def test_interrupted_and_resumed_run_is_bit_exact(idx_dir, tmp_path, monkeypatch, extra):
    from gankit.errors import TrainingInterrupted
    from gankit.train import trainer as trainer_module

    straight = tmp_path / "straight"
    train(tiny_config(idx_dir, steps=8, **extra), straight, progress=False)
    split = tmp_path / "split"
    with monkeypatch.context() as patch:
        patch.setattr(trainer_module, "StopRequests", _StopAtCheck(5))
        with pytest.raises(TrainingInterrupted, match="SIGINT at step 5"):
            train(tiny_config(idx_dir, steps=8, **extra), split, progress=False)
    train(tiny_config(idx_dir, steps=8, **extra), split, resume=True, progress=False)
    names = ["G", "D"] + (["G_ema"] if extra else [])
    _assert_same_weights(straight, split, names)
    rows = [json.loads(r)["step"] for r in (split / "metrics.jsonl").read_text().splitlines()]
    assert rows == [2, 4, 6, 8]


def test_resume_with_more_steps_continues_exactly(idx_dir, tmp_path):
    straight, split = tmp_path / "straight", tmp_path / "split"
    train(tiny_config(idx_dir, steps=8), straight, progress=False)
    train(tiny_config(idx_dir, steps=5), split, progress=False)
    train(tiny_config(idx_dir, steps=8), split, resume=True, progress=False)
    _assert_same_weights(straight, split, ["G", "D"])
    rows = [json.loads(r)["step"] for r in (split / "metrics.jsonl").read_text().splitlines()]
    assert rows == [2, 4, 5, 6, 8]


def test_resume_drops_metrics_logged_after_the_checkpoint(tiny_cfg, tmp_path):
    run = tmp_path / "run"
    train(tiny_cfg, run, progress=False)
    with open(run / "metrics.jsonl", "a") as handle:
        handle.write(json.dumps({"step": 99, "loss_d": 1.0}) + "\n")
    tiny_cfg.train.steps = 8
    train(tiny_cfg, run, resume=True, progress=False)
    steps = [json.loads(r)["step"] for r in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps == [2, 4, 6, 8]


def test_nan_loss_stops_with_step_and_keeps_last_good_checkpoint(tiny_cfg, tmp_path, monkeypatch):
    real_step = GANRecipe.train_step
    calls = []

    def poisoned(self, batches):
        calls.append(1)
        scalars = real_step(self, batches)
        if len(calls) == 5:
            scalars["loss_g"] = torch.tensor(float("nan"))
        return scalars

    monkeypatch.setattr(GANRecipe, "train_step", poisoned)
    run = tmp_path / "run"
    with pytest.raises(GankitError, match=r"loss_g became nan at step 5;.*step-00000003"):
        train(tiny_cfg, run, progress=False)
    assert latest_checkpoint(run).name == "step-00000003"
    assert gankit.load_generator(run) is not None


def test_load_generator_prefers_ema_and_samples(idx_dir, tmp_path):
    run = tmp_path / "run"
    train(tiny_config(idx_dir, ema_decay=0.5), run, progress=False)
    gen = gankit.load_generator(run)
    assert not gen.training
    images = gen(torch.randn(3, gen.latent_dim))
    assert images.shape == (3, 1, 28, 28)
    ema = _weights(run, "G_ema")
    assert all(torch.equal(v, ema[k]) for k, v in gen.state_dict().items())
    raw = gankit.load_generator(run, ema=False).state_dict()
    assert any(not torch.equal(v, ema[k]) for k, v in raw.items() if v.is_floating_point())


def test_ema_follows_the_ramped_decay():
    from gankit.train.ema import EMA, ramped_decay

    assert [round(ramped_decay(0.999, t), 4) for t in (0, 10, 90, 990, 10_000)] == [
        0.1, 0.55, 0.91, 0.991, 0.999]
    net = torch.nn.Linear(2, 2)
    ema = EMA(net, decay=0.75)
    for t in range(30):
        start = ema.shadow.weight.clone()
        with torch.no_grad():
            net.weight.add_(4.0)
        ema.update(net)
        d = min(0.75, (1 + t) / (10 + t))
        assert torch.allclose(ema.shadow.weight, d * start + (1 - d) * net.weight)
    assert ema.state_dict() == {"updates": 30}


def test_toy_run_saves_scatter_plots(tmp_path):
    from gankit.presets import load_preset

    cfg = load_preset("gan-ring8", ["train.steps=4", "train.sample_every=2",
                                    "train.tensorboard=false", "data.toy_samples=1000",
                                    "train.grid_size=100"])
    run = tmp_path / "toy"
    train(cfg, run, progress=False)
    assert (run / "samples" / "step-00000004.png").is_file()
    assert gankit.load_generator(run)(torch.randn(5, 2)).shape == (5, 2)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")
def test_trainer_refuses_cuda_without_device(tiny_cfg, tmp_path):
    tiny_cfg.train.device = "cuda"
    with pytest.raises(GankitError, match="cuda requested but no CUDA device"):
        Trainer(tiny_cfg, tmp_path / "r")


def test_linear_lr_decay_schedule(tiny_cfg, tmp_path):
    from gankit.train.trainer import linear_decay

    assert [linear_decay(s, 10, 0.6) for s in (0, 5, 6, 8, 10)] == [1.0, 1.0, 1.0, 0.5, 0.0]
    assert linear_decay(9, 10, 1.0) == 1.0
    tiny_cfg.train.lr_decay_start = 0.5  # 6 steps: full LR for steps 0-2, then 3/3, 2/3, 1/3
    trainer = Trainer(tiny_cfg, tmp_path / "r", progress=False)
    trainer.run()
    lr = trainer.recipe.optimizers["G"].param_groups[0]["lr"]
    assert lr == pytest.approx(tiny_cfg.optim.lr["G"] / 3)  # the LR of the last step taken


def test_historical_averaging_state_survives_resume(idx_dir, tmp_path):
    def cfg(steps):
        return tiny_config(idx_dir, gan={"historical_averaging": 0.01}, steps=steps)

    straight, split = tmp_path / "a", tmp_path / "b"
    train(cfg(6), straight, progress=False)
    train(cfg(3), split, progress=False)
    train(cfg(6), split, resume=True, progress=False)
    a, b = _weights(straight, "G"), _weights(split, "G")
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_batch_norm_recalibration_averages_the_generators_own_statistics():
    from gankit.sampling import recalibrate_batch_norm

    class TinyG(torch.nn.Module):
        latent_dim = 3

        def __init__(self):
            super().__init__()
            self.linear, self.norm = torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4)

        def forward(self, z):
            return self.norm(self.linear(z))

    gen = TinyG().eval()
    gen.norm.running_mean.fill_(5.0)  # stale statistics, as copied from another network
    recalibrate_batch_norm(gen, batches=3, batch_size=50, seed=7)
    rng = torch.Generator().manual_seed(7)
    with torch.no_grad():
        acts = [gen.linear(torch.randn(50, 3, generator=rng)) for _ in range(3)]
    torch.testing.assert_close(gen.norm.running_mean, torch.stack([a.mean(0) for a in acts]).mean(0))
    torch.testing.assert_close(gen.norm.running_var, torch.stack([a.var(0) for a in acts]).mean(0))
    assert not gen.training and gen.norm.momentum == 0.1


def test_a_folder_run_with_dropout_resumes_bit_exactly(tmp_path):
    """Folder datasets stream through a DataLoader, whose iterator once drew a seed from the
    global RNG when it started: a resumed run's dropout masks then differed."""
    from PIL import Image

    from gankit.config import config_from_dict

    images = tmp_path / "images"
    images.mkdir()
    for i in range(24):
        Image.new("L", (8, 8), 10 * i).save(images / f"{i}.png")

    def cfg(steps):
        return config_from_dict({
            "data": {"dataset": "folder", "root": str(images), "image_size": 8, "channels": 1},
            "nets": {"G": {"arch": "mlp", "latent_dim": 4, "hidden": [16]},
                     "D": {"arch": "mlp", "hidden": [16], "dropout": 0.3}},
            "train": {"steps": steps, "batch_size": 8, "tensorboard": False, "grid_size": 4,
                      "checkpoint_every": 2, "log_every": 2}})
    train(cfg(4), tmp_path / "straight", progress=False)
    train(cfg(2), tmp_path / "split", progress=False)
    train(cfg(4), tmp_path / "split", resume=True, progress=False)
    _assert_same_weights(tmp_path / "straight", tmp_path / "split", ["G", "D"])


def test_the_progress_bar_reads_at_80_columns_with_the_losses():
    import io

    from tqdm import tqdm

    from gankit.train.trainer import BAR_FORMAT, _losses

    row = {"loss_d": 1.386294, "loss_g": 0.7123456, "loss_code": 2.1, "d_real": 0.1, "img_per_s": 812.3}
    text = _losses(row)
    assert text.startswith("d=1.39 g=0.712") and "img_per_s" not in text and len(text) <= 30
    out = io.StringIO()
    bar = tqdm(total=25_000, initial=12_345, unit="step", ncols=80, file=out, bar_format=BAR_FORMAT)
    bar.set_postfix_str(text)
    bar.refresh()
    line = out.getvalue().split("\r")[-1]
    assert len(line) <= 80 and "12345/25000" in line and "d=1.39" in line


def test_tensorboard_gets_the_pictures_learning_rates_and_config(idx_dir, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run = tmp_path / "run"
    train(tiny_config(idx_dir, tensorboard=True), run, progress=False)
    events = EventAccumulator(str(run / "tensorboard"), size_guidance={"images": 0, "tensors": 0})
    events.Reload()
    tags = events.Tags()
    assert {"loss_d", "lr_G", "lr_D"} <= set(tags["scalars"])
    assert "visuals" in tags["images"] and len(events.Images("visuals")) == 2  # steps 3 and 6
    assert any(t.startswith("config") for t in tags["tensors"])
