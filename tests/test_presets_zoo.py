"""Every preset trains a few steps end to end; bad combinations fail before training."""

import pytest

from gankit.errors import GankitError
from gankit.presets import load_preset, preset_names
from gankit.train import train
from tests.conftest import make_idx_dataset

TINY_IMAGES = ["data.image_size=28", "model.g_width=8", "model.d_width=8", "model.latent_dim=8",
               "train.batch_size=16", "train.steps=2", "train.tensorboard=false",
               "train.grid_size=4", "model.minibatch_kernels=0"]
TINY_TOY = ["data.toy_samples=400", "train.steps=2", "train.tensorboard=false",
            "train.grid_size=100", "train.batch_size=20"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return make_idx_dataset(tmp_path_factory.mktemp("fm"))


@pytest.mark.parametrize("name", preset_names())
def test_preset_trains_end_to_end(name, data_dir, tmp_path):
    cfg = load_preset(name)
    image = cfg.data.dataset == "fashion-mnist"
    overrides = TINY_IMAGES + [f'data.root="{data_dir}"'] if image else TINY_TOY
    if name == "improved-fashion-mnist":
        overrides = [o for o in overrides if not o.startswith("model.minibatch")]
    if cfg.recipe == "ssgan":
        overrides = [*overrides, "data.labels_per_class=2"]  # the tiny dataset has ~10 per class
    cfg = load_preset(name, overrides)
    result = train(cfg, tmp_path / name, progress=False, log=lambda *_: None)
    assert result.step == 2
    rows = (tmp_path / name / "metrics.jsonl").read_text().splitlines()
    assert rows and "nan" not in rows[-1]
    if not image:
        assert (tmp_path / name / "eval.jsonl").is_file()


@pytest.mark.parametrize("overrides, message", [
    (["objective.loss=hinge", "objective.weight_clip=0.01"],
     "weight_clip is for the Wasserstein critic, not the hinge loss"),
    (["objective.loss=wasserstein", "objective.weight_clip=0.01",
      "objective.gradient_penalty=10", "model.d_norm=none"], "are alternatives"),
    (["model.pack=3"], "model.pack = 3 does not divide train.batch_size = 64"),
    (["objective.loss=least_squares", "objective.label_smoothing=0.1"],
     "label_smoothing applies to minimax/nonsaturating"),
    (["objective.loss=hinge_loss"], "is not one of"),
    (["objective.gradient_penalty=10"], "need D without batch norm"),
    (["objective.r1=-1"], "objective.r1: must be zero or positive"),
])
def test_incompatible_combinations_fail_before_training(overrides, message):
    with pytest.raises(GankitError, match=message):
        load_preset("dcgan-fashion-mnist", overrides)
