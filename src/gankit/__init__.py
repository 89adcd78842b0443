"""gankit: train, sample and evaluate generative adversarial networks with PyTorch.

A short tour (see README.md and docs/guide/ for more):

    import gankit, torch
    sampler = gankit.load("runs/demo")              # a run directory or a `gankit export` folder
    images = sampler.sample(16, seed=0)             # float NCHW in [-1, 1]
    walks = sampler.interpolate(rows=4, steps=8)    # latent walks
    G = gankit.load_generator("runs/demo")          # the generator net itself (EMA weights)
    gankit.export("runs/demo", "exports/demo")      # a folder loadable without training code

Training and evaluation from Python: gankit.train.train(cfg, run_dir) with a config from
gankit.presets.load_preset(name, ["section.key=value", ...]); gankit.evaluate.evaluate_run.
Every mistake a user can make raises gankit.GankitError with a one-line message.
"""

from __future__ import annotations

from typing import Any

from gankit.errors import GankitError

__version__ = "0.2.0"
__all__ = ["GankitError", "__version__", "export", "load", "load_classifier", "load_generator"]

_LAZY = {"load": "gankit.inference", "export": "gankit.inference",
         "load_generator": "gankit.runs", "load_classifier": "gankit.runs"}


def __getattr__(name: str) -> Any:
    # torch is imported on first use, so `gankit --help` and `gankit presets` start fast
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'gankit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
