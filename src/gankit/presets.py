"""Presets: named TOML files shipped with gankit (or any TOML file given by path)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gankit.config import RunConfig, apply_overrides, config_from_dict, read_toml, set_values
from gankit.errors import GankitError

PRESET_DIR = Path(__file__).parent / "presets"


def preset_names() -> list[str]:
    """Names of the shipped presets, sorted."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml"))


def preset_path(name: str) -> Path:
    """The TOML file of a shipped preset, or `name` itself when it is a .toml path."""
    if name.endswith(".toml"):
        path = Path(name)
        if not path.is_file():
            raise GankitError(f"preset file {name} does not exist")
        return path
    path = PRESET_DIR / f"{name}.toml"
    if not path.is_file():
        raise GankitError(f"unknown preset '{name}'; valid presets: {', '.join(preset_names())}")
    return path


def describe_presets() -> list[tuple[str, str]]:
    """(name, one-line description) for every shipped preset."""
    return [(name, read_toml(preset_path(name)).get("description", "")) for name in preset_names()]


def load_preset(name: str, overrides: Iterable[str] = (), values: dict[str, Any] | None = None
                ) -> RunConfig:
    """Resolve a preset plus `section.key=value` overrides (text, read as TOML), then
    `values` (dotted key -> value, taken as they are), into a validated config."""
    path = preset_path(name)
    tree = read_toml(path)
    if not tree:
        raise GankitError(f"{path}: the preset file is empty (nothing to train); start from one of "
                          "`gankit presets`, e.g. gankit presets dcgan-fashion-mnist > my.toml")
    tree = apply_overrides(tree, overrides)
    set_values(tree, values or {})
    return config_from_dict(tree)
