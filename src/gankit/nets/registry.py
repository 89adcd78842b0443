"""Two registries of networks.

- Architectures a config can name: `[nets.<role>] arch = "dcgan"` selects, for the role's
  kind (generator, discriminator, ...), an options dataclass (the section's typed keys) and
  a builder `build(options, spec) -> nn.Module`.
- Constructible classes: every net class marked `@exportable` records the arguments it was
  built with, so `net_spec(net)` describes it as JSON and `build_from_spec` rebuilds it
  without any config or training code (what exports and `gankit.load` rely on).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import nn

from gankit.errors import GankitError
from gankit.fields import closest


@dataclass(frozen=True)
class Arch:
    kind: str
    name: str
    options: type
    build: Callable[..., nn.Module]


ARCHS: dict[tuple[str, str], Arch] = {}


def register_arch(kind: str, name: str, options: type) -> Callable:
    """Decorator of a builder `build(options, spec, **extra) -> nn.Module`."""
    def decorate(build: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        ARCHS[(kind, name)] = Arch(kind, name, options, build)
        return build
    return decorate


def arch_names(kind: str) -> list[str]:
    return sorted(name for k, name in ARCHS if k == kind)


def get_arch(kind: str, name: str, where: str) -> Arch:
    """The architecture `name` of `kind`, or one line naming the valid ones."""
    import gankit.nets  # noqa: F401 (registers the built-in architectures)

    if (kind, name) not in ARCHS:
        names = arch_names(kind)
        raise GankitError(f"{where}: '{name}' is not a {kind} architecture; choose from "
                          f"{', '.join(names)}{closest(name, names)}")
    return ARCHS[(kind, name)]


# -- constructible classes ------------------------------------------------------------------
NET_CLASSES: dict[str, type[nn.Module]] = {}
SPEC_TYPES: dict[str, type] = {}  # frozen dataclasses allowed among constructor arguments


def spec_type(cls: type) -> type:
    """Allow instances of the dataclass `cls` among exportable constructor arguments."""
    SPEC_TYPES[cls.__name__] = cls
    return cls


def exportable(cls: type[nn.Module]) -> type[nn.Module]:
    """Record the constructor arguments of every instance as `init_kwargs`."""
    original = cls.__init__
    signature = inspect.signature(original)

    @functools.wraps(original)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        original(self, *args, **kwargs)
        self.init_kwargs = {k: v for k, v in bound.arguments.items() if k != "self"}

    cls.__init__ = __init__
    NET_CLASSES[cls.__name__] = cls
    return cls


def _encode(value: Any) -> Any:
    if isinstance(value, nn.Module):
        return {"__net__": net_spec(value)}
    if dataclasses.is_dataclass(value) and type(value).__name__ in SPEC_TYPES:
        return {"__type__": type(value).__name__, **dataclasses.asdict(value)}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot describe constructor argument {value!r}")  # a bug, not user input


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "__net__" in value:
        return build_from_spec(value["__net__"])
    if isinstance(value, dict) and "__type__" in value:
        fields = {k: v for k, v in value.items() if k != "__type__"}
        return SPEC_TYPES[value["__type__"]](**fields)
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    return value


def net_spec(net: nn.Module) -> dict[str, Any]:
    """A JSON-able description that `build_from_spec` turns back into the same net."""
    if not hasattr(net, "init_kwargs"):
        raise TypeError(f"{type(net).__name__} is not @exportable")  # a bug, not user input
    return {"class": type(net).__name__, "kwargs": _encode(net.init_kwargs),
            "spectral_norm": bool(getattr(net, "gankit_spectral_norm", False))}


def build_from_spec(spec: dict[str, Any]) -> nn.Module:
    """The net `spec` describes, freshly initialised (load its weights next)."""
    import gankit.nets  # noqa: F401 (registers the built-in classes)

    name = spec.get("class")
    if name not in NET_CLASSES:
        raise GankitError(f"unknown network class {name!r} (written by a newer gankit?)")
    net = NET_CLASSES[name](**_decode(spec.get("kwargs", {})))
    if spec.get("spectral_norm"):
        from gankit.nets.layers import apply_spectral_norm

        apply_spectral_norm(net)
    return net
