"""TOML in (tomllib) and out (tomli-w), and `--set section.key=value` overrides."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import tomli_w

from gankit.errors import GankitError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split `section.key=value`; the value is read as TOML, else kept as a string."""
    if "=" not in text:
        raise GankitError(f"--set {text!r}: expected section.key=value")
    key, raw = text.split("=", 1)
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise GankitError(f"--set {text!r}: expected section.key=value")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key.split("."), value


def _put(values: dict[str, Any], path: list[str], value: Any, shown: str) -> None:
    node = values
    for part in path[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise GankitError(f"--set {shown!r}: '{part}' is not a section")
    node[path[-1]] = value


def apply_overrides(values: dict[str, Any], overrides: Iterable[str]) -> dict[str, Any]:
    """Apply `--set section.key=value` strings to a nested dict (in place) and return it."""
    for text in overrides:
        path, value = parse_override(text)
        _put(values, path, value, text)
    return values


def set_values(values: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Set dotted keys to Python values (no TOML parsing: any path or text is kept as is)."""
    for key, value in changes.items():
        _put(values, key.split("."), value, f"{key}={value}")
    return values


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file, turning syntax and encoding errors into one readable line."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise GankitError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise GankitError(f"{path}: is a directory, not a TOML file") from None
    except UnicodeDecodeError:
        raise GankitError(f"{path}: not a text file (TOML must be UTF-8)") from None
    except tomllib.TOMLDecodeError as err:
        raise GankitError(f"{path}: invalid TOML: {err}") from None


def dumps(values: dict[str, Any], header: str = "") -> str:
    """TOML text of a nested dict, with `header` as comment lines on top."""
    comments = "".join(f"# {line}\n" for line in header.splitlines())
    return comments + tomli_w.dumps(values)
