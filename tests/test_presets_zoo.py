"""Every preset trains a few steps end to end; bad combinations fail before training."""

import pytest

from gankit.errors import GankitError
from gankit.presets import load_preset, preset_names
from gankit.train import train
from tests.conftest import make_idx_dataset

TINY_IMAGES = ["data.image_size=28", "nets.G.width=8", "nets.D.width=8", "nets.G.latent_dim=8",
               "train.batch_size=16", "train.steps=2", "train.tensorboard=false",
               "train.grid_size=4", "nets.D.minibatch_kernels=0"]
TINY_TOY = ["data.toy_samples=400", "train.steps=2", "train.tensorboard=false",
            "train.grid_size=100", "train.batch_size=20"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return make_idx_dataset(tmp_path_factory.mktemp("fm"))


@pytest.fixture(scope="module")
def folder_dir(tmp_path_factory):
    import numpy as np
    from PIL import Image

    root = tmp_path_factory.mktemp("folder")
    rng = np.random.default_rng(0)
    for i in range(20):
        Image.fromarray(rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)).save(root / f"{i}.png")
    return root


TINY_TRANSLATION = ["train.batch_size=2", "train.steps=2", "train.tensorboard=false",
                    "train.precision=fp32"]


def _tiny_nets(cfg) -> list[str]:
    """Width 4 for every net of a translation preset (one residual block, two D layers)."""
    overrides = []
    for role, net in cfg.nets.items():
        overrides.append(f"nets.{role}.width=4")
        if net.arch in ("resnet", "srresnet"):
            overrides.append(f"nets.{role}.blocks=1")
        if net.arch == "patchgan":
            overrides.append(f"nets.{role}.layers=2")
    return overrides


def _translation_overrides(cfg, data_dir, tmp_path) -> list[str]:
    from tests.conftest import make_paired_folders, make_unpaired_folders
    from tests.test_glyphs_edges import HANZI

    data = cfg.data
    if data.dataset == "glyphs":
        fonts = ['data.glyphs.targets=["ukai", "uming"]'] if len(data.glyphs.targets) > 2 else []  # CI fonts
        return [f'data.glyphs.charset="{HANZI}"', "data.image_size=32", *fonts]
    if data.dataset == "superres":
        from PIL import Image

        (tmp_path / "photos").mkdir()
        for i in range(6):
            Image.new("RGB", (100 + i, 90), (40 * i, 100, 200)).save(tmp_path / "photos" / f"{i}.png")
        return [f'data.root="{tmp_path / "photos"}"', "data.held_out=0.4", "data.superres.crop=32",
                "data.superres.test_crop=64", "data.superres.crops_per_photo=2"]
    if data.dataset in ("edges", "classes"):
        return [f'data.root="{data_dir}"']
    if data.dataset == "unpaired":
        root = make_unpaired_folders(tmp_path / "domains", size=20)
        return [f'data.root="{root}"', "data.image_size=16", "data.load_size=20"]
    root = make_paired_folders(tmp_path / "pairs", n_train=4, n_test=2, size=20, layout=data.layout,
                               rgb=True)
    return [f'data.root="{root}"', "data.image_size=16", "data.load_size=20"]


@pytest.mark.parametrize("name", preset_names())
def test_preset_trains_end_to_end(name, data_dir, folder_dir, tmp_path):
    cfg = load_preset(name)
    if cfg.data.dataset in ("glyphs", "edges", "paired", "unpaired", "classes", "superres"):
        from tests.test_glyphs_edges import needs_cjk

        if cfg.data.dataset == "glyphs" and needs_cjk.args[0]:
            pytest.skip("CJK fonts not installed")
        overrides = TINY_TRANSLATION + _tiny_nets(cfg) + _translation_overrides(cfg, data_dir, tmp_path)
        result = train(load_preset(name, overrides), tmp_path / name, progress=False)
        assert result.step == 2 and (tmp_path / name / "samples" / "step-00000002.png").is_file()
        return
    image = cfg.data.dataset in ("fashion-mnist", "folder")
    root = folder_dir if cfg.data.dataset == "folder" else data_dir
    overrides = TINY_IMAGES + [f'data.root="{root}"'] if image else TINY_TOY
    if name == "improved-fashion-mnist":
        overrides = [o for o in overrides if not o.startswith("nets.D.minibatch")]
    if cfg.nets["G"].arch == "mlp":
        overrides = [o for o in overrides if ".width=" not in o]
    if cfg.data.subset:
        overrides = [*overrides, "data.subset=50"]  # the tiny dataset has 96 training images
    if cfg.recipe == "ssgan":
        overrides = [*overrides, "data.labels_per_class=2"]  # the tiny dataset has ~10 per class
    cfg = load_preset(name, overrides)
    result = train(cfg, tmp_path / name, progress=False)
    assert result.step == 2
    rows = (tmp_path / name / "metrics.jsonl").read_text().splitlines()
    assert rows and "nan" not in rows[-1]
    if not image:
        assert (tmp_path / name / "eval.jsonl").is_file()


@pytest.mark.parametrize("overrides, message", [
    (["gan.loss=hinge", "gan.weight_clip=0.01"],
     "weight_clip is for the Wasserstein critic, not the hinge loss"),
    (["gan.loss=wasserstein", "gan.weight_clip=0.01",
      "gan.gradient_penalty=10", "nets.D.norm=none"], "are alternatives"),
    (["gan.pack=3"], "gan.pack = 3 does not divide train.batch_size = 64"),
    (["gan.loss=least_squares", "gan.label_smoothing=0.1"],
     "label_smoothing applies to minimax/nonsaturating"),
    (["gan.loss=hinge_loss"], "is not one of"),
    (["gan.gradient_penalty=10"], "need D without batch norm"),
    (["gan.r1=-1"], "gan.r1: must be zero or positive"),
])
def test_incompatible_combinations_fail_before_training(overrides, message):
    with pytest.raises(GankitError, match=message):
        load_preset("dcgan-fashion-mnist", overrides)
