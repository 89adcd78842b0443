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
    cfg = load_preset("dcgan-fashion-mnist", ["train.steps=7", "optim.lr_g=1e-4",
                                              "model.g_hidden=[3, 4]", "data.root=/x/y"])
    assert cfg.train.steps == 7 and cfg.optim.lr_g == 1e-4
    assert cfg.model.g_hidden == [3, 4] and cfg.data.root == "/x/y"


def test_integer_accepted_for_float_but_not_the_reverse():
    assert load_preset("dcgan-fashion-mnist", ["optim.lr_g=1"]).optim.lr_g == 1.0
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
    with pytest.raises(GankitError, match="objective.loss: 'minmax' is not one of.*'minimax'"):
        load_preset("dcgan-fashion-mnist", ["objective.loss=minmax"])
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
