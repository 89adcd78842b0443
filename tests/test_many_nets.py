"""A throwaway recipe written in this file alone, with two generators in one optimizer
group, two discriminators and an image pool, on a paired toy source: the Trainer, EMA,
checkpoints (pool included), bit-exact resume, export and loading all serve it unchanged."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence

import pytest
import torch
import torch.nn.functional as F

from gankit.config import config_from_dict
from gankit.data.batch import Batch
from gankit.errors import TrainingInterrupted
from gankit.objectives import adversarial_loss
from gankit.recipes import RECIPES, Role, Visuals, register_recipe
from gankit.recipes.translation import ImagePool, TranslationRecipe, translate, translator_model
from gankit.train import train
from gankit.train import trainer as trainer_module
from tests.test_trainer import _StopAtCheck

NAME = "throwaway-two-way"


class TwoWayRecipe(TranslationRecipe):
    name = NAME
    roles = {"G_AB": Role("translator", "unet", "B"), "G_BA": Role("translator", "unet", "A"),
             "D_A": Role("discriminator", "patchgan", "A"), "D_B": Role("discriminator", "patchgan", "B")}
    groups = {"G": ("G_AB", "G_BA"), "D": ("D_A", "D_B")}
    ema = ("G_AB", "G_BA")

    def __init__(self, cfg, spec, ctx=None) -> None:
        super().__init__(cfg, spec, ctx)
        self.loss = adversarial_loss("least_squares")
        self.pools = {"A": ImagePool(5, seed=1), "B": ImagePool(5, seed=2)}

    def build_nets(self):
        from gankit.nets import build_net

        shapes = self.spec.shapes
        return {"G_AB": self.make_translator("A", "B", "G_AB"),
                "G_BA": self.make_translator("B", "A", "G_BA"),
                "D_A": build_net("discriminator", self.cfg.nets["D_A"], shapes["A"]),
                "D_B": build_net("discriminator", self.cfg.nets["D_B"], shapes["B"])}

    def train_step(self, batches: Sequence[Batch]) -> dict[str, torch.Tensor]:
        a, b = batches[0]["A"], batches[0]["B"]
        n = self.nets
        with self.frozen("D_A", "D_B"):
            fake_b, fake_a = n["G_AB"](a), n["G_BA"](b)
            loss_g = (self.loss.generator(n["D_B"](fake_b)) + self.loss.generator(n["D_A"](fake_a))
                      + 10 * (F.l1_loss(n["G_BA"](fake_b), a) + F.l1_loss(n["G_AB"](fake_a), b)))
            self.update("G", loss_g)  # both generators from one backward
        loss_d = (self.loss.discriminator(n["D_A"](a), n["D_A"](self.pools["A"].query(fake_a)))
                  + self.loss.discriminator(n["D_B"](b), n["D_B"](self.pools["B"].query(fake_b))))
        self.update("D", loss_d)
        return {"loss_g": loss_g.detach(), "loss_d": loss_d.detach()}

    def visuals(self, fixed, nets):
        return Visuals({"a": fixed["A"], "G_AB(a)": translate(nets["G_AB"], fixed["A"]),
                        "b": fixed["B"], "G_BA(b)": translate(nets["G_BA"], fixed["B"])})

    def models(self):
        shapes = self.spec.shapes
        return {"AB": translator_model("G_AB", shapes["A"], shapes["B"]),
                "BA": translator_model("G_BA", shapes["B"], shapes["A"])}

    def state_dict(self):
        return {name: pool.state_dict() for name, pool in self.pools.items()}

    def load_state_dict(self, state):
        for name, pool in self.pools.items():
            pool.load_state_dict(state[name])


@pytest.fixture(autouse=True)
def _registered():
    register_recipe(TwoWayRecipe)
    yield
    RECIPES.pop(NAME, None)


def _config(root, steps: int):
    net = {"arch": "unet", "width": 4}
    d = {"arch": "patchgan", "width": 4, "layers": 2}
    return config_from_dict({
        "recipe": NAME, "data": {"dataset": "paired", "root": str(root), "image_size": 16},
        "nets": {"G_AB": net, "G_BA": net, "D_A": d, "D_B": d},
        "optim": {"lr": {"G": 2e-4, "D": 1e-4}},
        "train": {"device": "cpu", "steps": steps, "batch_size": 4, "log_every": 2, "sample_every": 4,
                  "checkpoint_every": 4, "tensorboard": False, "ema_decay": 0.9}})


def _weights(run):
    from safetensors.torch import load_file

    latest = run / "checkpoints" / "latest"
    return {p.stem: load_file(p) for p in sorted(latest.glob("*.safetensors"))}


def test_two_generators_two_discriminators_and_a_pool_resume_bit_exactly(paired_dir, tmp_path, monkeypatch):
    straight, split = tmp_path / "straight", tmp_path / "split"
    train(_config(paired_dir, 10), straight, progress=False)
    with monkeypatch.context() as patch:
        patch.setattr(trainer_module, "StopRequests", _StopAtCheck(7))
        with pytest.raises(TrainingInterrupted, match="at step 7"):
            train(_config(paired_dir, 10), split, progress=False)
    train(_config(paired_dir, 10), split, resume=True, progress=False)
    a, b = _weights(straight), _weights(split)
    assert set(a) == {"G_AB", "G_BA", "D_A", "D_B", "G_AB_ema", "G_BA_ema"}
    for name in a:
        assert all(torch.equal(a[name][k], b[name][k]) for k in a[name]), name
    state = torch.load(split / "checkpoints" / "latest" / "state.pt", weights_only=True)
    assert len(state["recipe"]["A"]["images"]) == 5  # the pool went through the checkpoint
    assert set(state["optimizers"]) == {"G", "D"}
    assert (split / "samples" / "step-00000008.png").is_file()


def test_the_two_translators_export_and_load_in_a_process_without_training_code(paired_dir, tmp_path):
    import gankit

    run = tmp_path / "run"
    train(_config(paired_dir, 4), run, progress=False)
    folder = gankit.export(run, tmp_path / "export")
    index = json.loads((folder / "model_index.json").read_text())
    assert set(index["models"]) == {"AB", "BA"} and index["ema"] == ["G_AB", "G_BA"]
    x = torch.rand(3, 1, 16, 16) * 2 - 1
    here = {m: gankit.load(folder, model=m).translate(x) for m in ("AB", "BA")}
    torch.save(x, tmp_path / "x.pt")
    script = f"""
import sys, torch, gankit
x = torch.load({str(tmp_path / 'x.pt')!r}, weights_only=True)
for m in ("AB", "BA"):
    torch.save(gankit.load({str(folder)!r}, model=m).translate(x), {str(tmp_path)!r} + f"/{{m}}.pt")
loaded = [k for k in sys.modules if k.startswith(("gankit.train", "gankit.recipes", "gankit.config"))]
print("training modules:", loaded)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "training modules: []" in done.stdout
    for m in ("AB", "BA"):
        torch.testing.assert_close(torch.load(tmp_path / f"{m}.pt", weights_only=True), here[m])


def test_an_exported_sampler_draws_the_runs_images_in_a_process_without_training_code(idx_dir, tmp_path):
    import gankit
    from tests.conftest import tiny_config

    run = tmp_path / "gan"
    train(tiny_config(idx_dir, ema_decay=0.9), run, progress=False)
    folder = gankit.export(run, tmp_path / "gan-export")
    mine = gankit.load(run).sample(6, seed=3)
    script = f"""
import sys, torch, gankit
torch.save(gankit.load({str(folder)!r}).sample(6, seed=3), {str(tmp_path / 's.pt')!r})
print([k for k in sys.modules if k.startswith(("gankit.train", "gankit.recipes", "gankit.config"))])
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
    assert torch.equal(torch.load(tmp_path / "s.pt", weights_only=True), mine)
