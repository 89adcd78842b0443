"""gankit: train, sample and evaluate generative adversarial networks."""

from __future__ import annotations

from typing import Any

from gankit.errors import GankitError

__version__ = "0.1.0"
__all__ = ["GankitError", "load_classifier", "load_generator", "__version__"]


def __getattr__(name: str) -> Any:
    # torch is imported on first use, so `gankit --help` and `gankit presets` start fast
    if name in ("load_generator", "load_classifier"):
        from gankit import runs

        return getattr(runs, name)
    raise AttributeError(f"module 'gankit' has no attribute {name!r}")
