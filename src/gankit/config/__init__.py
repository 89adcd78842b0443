"""Run configuration: typed sections loaded from TOML presets plus `--set` overrides.

Layout: top-level `description` and `recipe`; `[data]`, `[optim]`, `[train]`; one section
per net role of the recipe (`[nets.G]`, `[nets.D]`, ... each with its `arch`); and the
recipe's own options under `[<recipe>]` (e.g. `[gan]`). Each section's keys are typed
(choices, bounds); combinations are refused by the recipe that owns them.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from gankit.config.moved import refuse_moved_keys
from gankit.config.schema import DataConfig, OptimConfig, RunConfig, TrainConfig
from gankit.config.toml import apply_overrides, dumps, parse_override, read_toml, set_values
from gankit.errors import GankitError
from gankit.fields import build_section, closest, help_lines

__all__ = ["DataConfig", "OptimConfig", "RunConfig", "TrainConfig", "apply_overrides",
           "config_from_dict", "config_keys", "config_to_dict", "get_value", "parse_override",
           "read_toml", "set_values", "to_toml"]


def _recipe_options(values: dict[str, Any], name: str, recipes: dict) -> dict[str, Any]:
    """The recipe's own section. A section written for another recipe (e.g. `[gan]` after
    `--set recipe=infogan`) is read as this recipe's, under any keys of its own section;
    its keys this recipe lacks are dropped where they hold their default (no intent lost)."""
    own = values.pop(name, None)
    foreign = [key for key in values if key in recipes]
    if len(foreign) > 1:
        raise GankitError(f"sections [{foreign[0]}] and [{foreign[1]}] are for other recipes than "
                          f"this config's ({name})")
    base = values.pop(foreign[0]) if foreign else {}
    if not isinstance(base, dict) or not isinstance(own if own is not None else {}, dict):
        raise GankitError(f"'{name}' is a section; set its keys as {name}.KEY")
    if base:
        mine = {f.name for f in dataclasses.fields(recipes[name].Options)}
        defaults = {f.name: f.default for f in dataclasses.fields(recipes[foreign[0]].Options)}
        base = {k: v for k, v in base.items() if k in mine or defaults.get(k, object()) != v}
    return {**base, **(own or {})}


def _build_nets(values: Any, recipe_cls: type, shapes: dict) -> dict[str, Any]:
    from gankit.nets.registry import get_arch

    values = {} if values is None else values
    if not isinstance(values, dict):
        raise GankitError("'nets' is a section; set its keys as nets.ROLE.KEY")
    roles = recipe_cls.roles
    for role in values:
        if role not in roles:
            raise GankitError(f"nets.{role}: recipe {recipe_cls.name} has nets "
                              f"{', '.join(roles)}{closest(role, roles)}")
    nets = {}
    for role, spec in roles.items():
        section = values.get(role, {})
        if not isinstance(section, dict):
            raise GankitError(f"'nets.{role}' is a section; set its keys as nets.{role}.KEY")
        arch = section.get("arch", spec.default_arch)
        if not isinstance(arch, str):
            raise GankitError(f"nets.{role}.arch: expected a string, got {arch!r}")
        options = get_arch(spec.kind, arch, f"nets.{role}.arch").options
        unknown = [k for k in section if k not in {f.name for f in dataclasses.fields(options)}]
        if unknown:
            keys = ", ".join(f.name for f in dataclasses.fields(options) if f.name != "arch")
            raise GankitError(f"unknown config key 'nets.{role}.{unknown[0]}'"
                              f"{closest(unknown[0], keys.split(', '))}: a {arch} {spec.kind} "
                              f"has {keys}")
        nets[role] = build_section(options, {**section, "arch": arch}, f"nets.{role}.")
        nets[role].check(f"nets.{role}", shapes.get(spec.field, ()))
    return nets


def _build_optim(values: Any, recipe_cls: type) -> OptimConfig:
    optim = build_section(OptimConfig, values if values is not None else {}, "optim.")
    groups = list(recipe_cls.groups)
    for group in optim.lr:
        if group not in groups:
            raise GankitError(f"optim.lr.{group}: recipe {recipe_cls.name} has optimizer groups "
                              f"{', '.join(groups)}{closest(group, groups)}")
    optim.lr = {group: optim.lr.get(group, recipe_cls.default_lr) for group in groups}
    return optim


def config_from_dict(values: dict[str, Any]) -> RunConfig:
    """Validate a nested dict (as read from TOML) into a RunConfig."""
    from gankit.data.source import data_spec
    from gankit.recipes.registry import RECIPES, recipe_class

    values = copy.deepcopy(values)
    recipe = values.pop("recipe", "gan")
    if not isinstance(recipe, str):
        raise GankitError(f"recipe: expected a string, got {recipe!r}")
    refuse_moved_keys(values, recipe)
    recipe_cls = recipe_class(recipe)
    description = values.pop("description", "")
    if not isinstance(description, str):
        raise GankitError(f"description: expected a string, got {description!r}")
    data = build_section(DataConfig, values.pop("data", {}), "data.")
    train = build_section(TrainConfig, values.pop("train", {}), "train.")
    spec = data_spec(data)
    nets = _build_nets(values.pop("nets", None), recipe_cls, spec.shapes)
    optim = _build_optim(values.pop("optim", None), recipe_cls)
    options = build_section(recipe_cls.Options, _recipe_options(values, recipe, RECIPES), f"{recipe}.")
    for key in values:
        known = ["description", "recipe", "data", "nets", "optim", "train", recipe]
        raise GankitError(f"unknown config key '{key}'{closest(key, known)}")
    cfg = RunConfig(description, recipe, data, nets, options, optim, train)
    recipe_cls.check(cfg, spec)
    return cfg


def config_to_dict(cfg: RunConfig) -> dict[str, Any]:
    """The nested dict that `config_from_dict` reads back into an equal config."""
    out: dict[str, Any] = {"description": cfg.description, "recipe": cfg.recipe,
                           "data": dataclasses.asdict(cfg.data),
                           "nets": {role: dataclasses.asdict(o) for role, o in cfg.nets.items()}}
    options = dataclasses.asdict(cfg.options) if cfg.options is not None else {}
    if options:
        out[cfg.recipe] = options
    out["optim"] = dataclasses.asdict(cfg.optim)
    out["train"] = dataclasses.asdict(cfg.train)
    return out


def to_toml(cfg: RunConfig, header: str = "") -> str:
    """The config as TOML text (written by tomli-w), `header` as comments on top."""
    return dumps(config_to_dict(cfg), header)


def _section(cfg: RunConfig, name: str) -> Any:
    if name == cfg.recipe:
        return cfg.options
    return getattr(cfg, name)


def get_value(cfg: RunConfig, dotted: str) -> Any:
    """Read `section.key`, `nets.ROLE.key`, `RECIPE.key` or a top-level key."""
    head, *rest = dotted.split(".")
    if not rest:
        return getattr(cfg, head)
    obj: Any = cfg.nets[rest.pop(0)] if head == "nets" else _section(cfg, head)
    for part in rest:
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return obj


def config_keys(cfg: RunConfig) -> list[tuple[str, str, Any]]:
    """(key, help, value in this config) for every key `--set` can change."""
    rows: list[tuple[str, str, Any]] = [
        ("description", "one line on what the run is", cfg.description),
        ("recipe", "the training recipe (gankit presets lists examples)", cfg.recipe)]
    sections = [("data", cfg.data), *((f"nets.{r}", o) for r, o in cfg.nets.items())]
    if cfg.options is not None:
        sections.append((cfg.recipe, cfg.options))
    sections += [("optim", cfg.optim), ("train", cfg.train)]
    for prefix, obj in sections:
        for key, help_text, _ in help_lines(type(obj), f"{prefix}."):
            rows.append((key, help_text, get_value(cfg, key)))
    return rows
