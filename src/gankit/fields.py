"""Typed config fields: a default, a help line, choices (Literal) and bounds (Range), checked
when a section is built from TOML values, with one readable line per mistake."""

from __future__ import annotations

import dataclasses
import difflib
import math
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from gankit.errors import GankitError


@dataclass(frozen=True)
class Range:
    """Bounds of a number: lo <= x <= hi (strict where `lo_open`/`hi_open`)."""

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False

    def allows(self, value: float) -> bool:
        if isinstance(value, float) and math.isnan(value):
            return False
        if self.lo is not None and (value <= self.lo if self.lo_open else value < self.lo):
            return False
        return not (self.hi is not None and (value >= self.hi if self.hi_open else value > self.hi))

    def describe(self) -> str:
        if self.lo == 0 and self.lo_open and self.hi is None:
            return "must be positive"
        if self.lo == 0 and not self.lo_open and self.hi is None:
            return "must be zero or positive"
        left = "(" if self.lo_open else "["
        right = ")" if self.hi_open else "]"
        lo = "-inf" if self.lo is None else f"{self.lo:g}"
        hi = "inf" if self.hi is None else f"{self.hi:g}"
        return f"must be in {left}{lo}, {hi}{right}"


Positive = Range(0, lo_open=True)
NonNegative = Range(0)
Fraction = Range(0, 1)  # [0, 1]
OpenFraction = Range(0, 1, lo_open=True)  # (0, 1]

PositiveInt = Annotated[int, Positive]
NonNegativeInt = Annotated[int, NonNegative]
PositiveFloat = Annotated[float, Positive]
NonNegativeFloat = Annotated[float, NonNegative]

MAX_SEED = 2**63 - 1


def opt(default: Any, help: str = "") -> Any:  # noqa: A002 (the natural name here)
    """A config field with a default (lists are copied per instance) and a help line."""
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata={"help": help})
    return field(default=default, metadata={"help": help})


def closest(name: str, options: Iterable[str]) -> str:
    match = difflib.get_close_matches(str(name), [str(o) for o in options], n=1, cutoff=0.5)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _unwrap(hint: Any) -> tuple[Any, Range | None]:
    if typing.get_origin(hint) is Annotated:
        base, *extra = typing.get_args(hint)
        return base, next((e for e in extra if isinstance(e, Range)), None)
    return hint, None


def check_value(where: str, value: Any, hint: Any) -> Any:
    """`value` (as read from TOML) checked against the type hint `hint`; returns it converted
    (ints to floats for float fields, booleans to "true"/"false" for string switches)."""
    hint, bounds = _unwrap(hint)
    origin = typing.get_origin(hint)
    if origin is Literal:
        options = typing.get_args(hint)
        if isinstance(value, bool) and all(isinstance(o, str) for o in options):
            value = "true" if value else "false"
        if value not in options or isinstance(value, bool) != isinstance(options[0], bool):
            shown = ", ".join(str(o) for o in options)
            raise GankitError(f"{where}: '{value}' is not one of {shown}{closest(value, options)}")
        return value
    if origin is list:
        (item_type,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise GankitError(f"{where}: expected a list, got {value!r}")
        return [check_value(f"{where}[{i}]", v, item_type) for i, v in enumerate(value)]
    if origin is dict:
        key_type, item_type = typing.get_args(hint)
        if not isinstance(value, dict):
            raise GankitError(f"{where}: expected a table of values, got {value!r}")
        return {str(k): check_value(f"{where}.{k}", v, item_type) for k, v in value.items()}
    if hint is bool:
        if not isinstance(value, bool):
            raise GankitError(f"{where}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise GankitError(f"{where}: expected an integer, got {value!r}")
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise GankitError(f"{where}: expected a number, got {value!r}")
        value = float(value)
    elif hint is str:
        if not isinstance(value, str):
            raise GankitError(f"{where}: expected a string, got {value!r}")
    else:
        raise TypeError(f"unsupported config type {hint} at {where}")  # a bug, not user input
    if bounds is not None and not bounds.allows(value):
        raise GankitError(f"{where}: {bounds.describe()}, got {value}")
    return value


def build_section(cls: type, values: dict[str, Any], prefix: str) -> Any:
    """An instance of the dataclass `cls` from a TOML table; unknown keys, wrong types,
    choices and bounds each give one line naming the key."""
    if not isinstance(values, dict):
        raise GankitError(f"'{prefix.rstrip('.')}' is a section; set its keys as {prefix}KEY")
    hints = typing.get_type_hints(cls, include_extras=True)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        where = f"{prefix}{key}"
        if key not in names:
            raise GankitError(f"unknown config key '{where}'{closest(key, names)}")
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            kwargs[key] = build_section(hint, value, f"{where}.")
        else:
            kwargs[key] = check_value(where, value, hint)
    return cls(**kwargs)


def help_lines(cls: type, prefix: str) -> list[tuple[str, str, Any]]:
    """(dotted key, help, default) for every field of a section, nested sections included."""
    out = []
    hints = typing.get_type_hints(cls, include_extras=True)
    for f in dataclasses.fields(cls):
        if dataclasses.is_dataclass(hints[f.name]):
            out += help_lines(hints[f.name], f"{prefix}{f.name}.")
            continue
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        out.append((f"{prefix}{f.name}", f.metadata.get("help", ""), default))
    return out
