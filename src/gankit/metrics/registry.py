"""Every metric in one registry, with what it needs:

- "features": two feature sets (real, fake) of an extractor: FID, KID, IS, PR, DC;
- "pairs": outputs and their true targets, image by image: L1, PSNR, SSIM;
- "multi": several outputs per input (diversity).

An evaluator asks the registry for the metrics it can feed; a new metric registers itself
and is computed wherever its needs are met, without touching the evaluators."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gankit.errors import GankitError

NEEDS = ("features", "pairs", "multi")


@dataclass(frozen=True)
class Metric:
    name: str
    needs: str
    keys: tuple[str, ...]  # the result keys it writes
    labels: tuple[str, ...]  # how `gankit eval` prints each key
    compute: Callable[..., dict[str, float]]
    available: Callable[[], bool] = lambda: True  # False: not computed unless asked (then it says why)


REGISTRY: dict[str, Metric] = {}


def register_metric(name: str, needs: str, keys: tuple[str, ...], labels: tuple[str, ...],
                    available: Callable[[], bool] | None = None) -> Callable:
    if needs not in NEEDS:
        raise ValueError(f"unknown need {needs!r}")  # a bug, not user input

    def decorate(fn: Callable[..., dict[str, float]]) -> Callable[..., dict[str, float]]:
        REGISTRY[name] = Metric(name, needs, keys, labels, fn, available or (lambda: True))
        return fn
    return decorate


def names_needing(needs: str, only_available: bool = True) -> list[str]:
    """The metrics of `needs` (by default those whose weights or data are at hand)."""
    _load()
    return [name for name, m in REGISTRY.items() if m.needs == needs
            and (not only_available or m.available())]


def parse_metrics(text: str | list[str] | tuple[str, ...], needs: tuple[str, ...] = NEEDS) -> list[str]:
    """'fid,kid' or a list -> validated names (of metrics with those needs), in order."""
    _load()
    allowed = [n for n, m in REGISTRY.items() if m.needs in needs]
    names = [m.strip().lower() for m in (text.split(",") if isinstance(text, str) else text) if m.strip()]
    unknown = [m for m in names if m not in allowed]
    if unknown or not names:
        raise GankitError(f"unknown metric {unknown[0]!r}; choose from {', '.join(allowed)}"
                          if unknown else f"no metric named; choose from {', '.join(allowed)}")
    return list(dict.fromkeys(names))


def labels() -> list[tuple[str, str]]:
    """(result key, printed label) of every registered metric, in registration order."""
    _load()
    return [(k, label) for m in REGISTRY.values() for k, label in zip(m.keys, m.labels, strict=True)]


def _load() -> None:
    from gankit.metrics import lpips, paired, suite  # noqa: F401 (they register their metrics)
