import pytest

from gankit.config import (
    RunConfig,
    apply_overrides,
    config_from_dict,
    parse_override,
    to_toml,
)
from gankit.errors import GankitError
from gankit.presets import describe_presets, load_preset, preset_names


def test_every_preset_loads_and_has_a_description():
    names = preset_names()
    assert {"dcgan-fashion-mnist", "gan-mlp-fashion-mnist"} <= set(names)
    for name, description in describe_presets():
        assert description, name
        assert isinstance(load_preset(name), RunConfig)


def test_overrides_are_typed_and_applied():
    cfg = load_preset("gan-mlp-fashion-mnist", ["train.steps=7", "optim.lr.G=1e-4",
                                                "nets.G.hidden=[3, 4]", "data.root=/x/y"])
    assert cfg.train.steps == 7 and cfg.optim.lr == {"G": 1e-4, "D": 2e-4}
    assert cfg.nets["G"].hidden == [3, 4] and cfg.data.root == "/x/y"


def test_integer_accepted_for_float_but_not_the_reverse():
    assert load_preset("dcgan-fashion-mnist", ["optim.lr.G=1"]).optim.lr["G"] == 1.0
    with pytest.raises(GankitError, match="train.steps: expected an integer, got 1.5"):
        load_preset("dcgan-fashion-mnist", ["train.steps=1.5"])


def test_wrong_type_names_key_and_value():
    with pytest.raises(GankitError, match="train.batch_size: expected an integer, got 'many'"):
        load_preset("dcgan-fashion-mnist", ["train.batch_size=many"])
    with pytest.raises(GankitError, match="train.tensorboard: expected true or false"):
        load_preset("dcgan-fashion-mnist", ["train.tensorboard=1"])


def test_unknown_key_suggests_closest():
    with pytest.raises(GankitError, match=r"unknown config key 'train.stpes' \(did you mean 'steps'"):
        load_preset("dcgan-fashion-mnist", ["train.stpes=3"])
    with pytest.raises(GankitError, match="unknown config key 'trian'.*'train'"):
        load_preset("dcgan-fashion-mnist", ["trian.steps=3"])


def test_unknown_preset_lists_valid_ones():
    with pytest.raises(GankitError, match="unknown preset 'dcgan'.*dcgan-fashion-mnist"):
        load_preset("dcgan")


def test_choices_and_ranges_are_checked():
    with pytest.raises(GankitError, match="gan.loss: 'minmax' is not one of.*'minimax'"):
        load_preset("dcgan-fashion-mnist", ["gan.loss=minmax"])
    with pytest.raises(GankitError, match="train.steps: must be positive"):
        load_preset("dcgan-fashion-mnist", ["train.steps=0"])
    with pytest.raises(GankitError, match="image_size: the DCGAN nets support 28, 32 or 64"):
        load_preset("dcgan-fashion-mnist", ["data.image_size=48"])


def test_parse_override_forms():
    assert parse_override("a.b=3") == (["a", "b"], 3)
    assert parse_override("a.b = true") == (["a", "b"], True)
    assert parse_override('a.b="x=y"') == (["a", "b"], "x=y")
    assert parse_override("a.b=plain words") == (["a", "b"], "plain words")
    with pytest.raises(GankitError, match="expected section.key=value"):
        parse_override("a.b")


def test_toml_round_trip_preserves_config():
    cfg = load_preset("gan-mlp-fashion-mnist", ['description="say \\"hi\\"\\nthere"'])
    import tomllib

    again = config_from_dict(tomllib.loads(to_toml(cfg, "header line")))
    assert again == cfg


def test_section_given_a_value_is_an_error():
    with pytest.raises(GankitError, match="'train' is a section"):
        config_from_dict(apply_overrides({}, ["train=3"]))


@pytest.mark.parametrize("override, message", [
    ("model.g_width=8", "model.g_width has moved to nets.G.width"),
    ("objective.loss=hinge", "objective.loss has moved to gan.loss"),
    ("optim.lr_d=1e-4", "optim.lr_d has moved to optim.lr.D"),
    ("train.n_critic=5", "train.n_critic has moved to gan.n_critic"),
])
def test_an_old_key_names_its_new_place(override, message):
    with pytest.raises(GankitError, match=message):
        load_preset("dcgan-fashion-mnist", [override])


def test_net_sections_are_typed_by_their_architecture():
    with pytest.raises(GankitError, match=r"unknown config key 'nets.G.hidden'"):
        load_preset("dcgan-fashion-mnist", ["nets.G.hidden=[8]"])
    with pytest.raises(GankitError, match="nets.G.arch: 'unet2' is not a generator architecture; "
                       "choose from dcgan, mlp"):
        load_preset("dcgan-fashion-mnist", ["nets.G.arch=unet2"])
    with pytest.raises(GankitError, match=r"nets.E: recipe gan has nets G, D"):
        load_preset("dcgan-fashion-mnist", ["nets.E.arch=mlp"])
    with pytest.raises(GankitError, match="unknown config key 'nets.G.width'.*: a mlp generator has "
                       "latent_dim, .*hidden"):
        load_preset("dcgan-fashion-mnist", ["nets.G.arch=mlp"])
    cfg = load_preset("gan-grid25", ["nets.G.hidden=[16]"])
    assert cfg.nets["G"].hidden == [16] and cfg.nets["D"].hidden == [512, 512]


def test_optimizer_groups_come_from_the_recipe():
    with pytest.raises(GankitError, match=r"optim.lr.E: recipe gan has optimizer groups G, D"):
        load_preset("dcgan-fashion-mnist", ["optim.lr.E=1e-4"])
    assert load_preset("ssgan-fashion-mnist-100").optim.lr == {"G": 3e-4, "D": 3e-4, "baseline": 3e-4}


def test_another_recipes_section_is_read_after_a_recipe_change():
    cfg = load_preset("categorical-grid25", ["recipe=infogan", "infogan.info_weight=0.1"])
    assert cfg.recipe == "infogan" and cfg.options.r1 == 0.1 and cfg.options.info_weight == 0.1
    cfg = load_preset("categorical-grid25", ["recipe=infogan"])
    assert cfg.options.r1_every == 4
    with pytest.raises(GankitError, match=r"unknown config key 'acgan.r1'"):
        load_preset("dcgan-fashion-mnist", ["recipe=acgan", "gan.r1=0.1"])


@pytest.mark.parametrize("override, message", [
    ("optim.lr.G=nan", "optim.lr.G: must be positive, got nan"),
    ("optim.beta1=1.5", r"optim.beta1: must be in \[0, 1\), got 1.5"),
    ("train.seed=99999999999999999999", "train.seed: must be in"),
    ("data.num_workers=-1", "data.num_workers: must be zero or positive"),
    ("nets.G.width=-4", "nets.G.width: must be positive"),
    ("data.channels=2", "data.channels: '2' is not one of 0, 1, 3"),
])
def test_values_out_of_bounds_are_refused_in_one_line(override, message):
    with pytest.raises(GankitError, match=message):
        load_preset("dcgan-fashion-mnist", [override])


def test_written_toml_is_read_back_equal_for_every_preset(tmp_path):
    import tomllib

    for name in preset_names():
        cfg = load_preset(name, ['data.root="C:\\\\data\\\\my \\"glyphs\\""'])
        assert config_from_dict(tomllib.loads(to_toml(cfg))) == cfg, name
