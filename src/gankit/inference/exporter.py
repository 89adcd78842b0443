"""`gankit export`: a run's models copied into a self-describing folder (as diffusers'
model_index.json + per-net config.json + model.safetensors), loadable without the run's
config or any training code."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from gankit.errors import GankitError
from gankit.inference.folder import EXPORT_INDEX, NET_CONFIG, NET_WEIGHTS, ModelFolder


def export(run: str | Path, out: str | Path | None = None, ema: bool = True) -> Path:
    """Write the models of run `run` (its latest checkpoint; EMA weights where kept, unless
    `ema` is False) into `out` (default RUN/export), replacing an earlier export there."""
    folder = ModelFolder.open(run)
    if folder.exported:
        raise GankitError(f"{run} is an export already")
    out = Path(out) if out else Path(run) / "export"
    if out.exists() and not (out / EXPORT_INDEX).is_file():
        raise GankitError(f"{out} exists and is not a gankit export; choose another --out")
    nets = sorted({entry["net"] for entry in folder.index.get("models", {}).values()})
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    used_ema = []
    for net in nets:
        (tmp / net).mkdir()
        weights = folder.weights(net, ema)
        used_ema += [net] if weights.name.endswith("_ema.safetensors") else []
        shutil.copyfile(weights, tmp / net / NET_WEIGHTS)
        (tmp / net / NET_CONFIG).write_text(json.dumps(folder.specs[net], indent=1))
    index = {**folder.index, "nets": nets, "ema": used_ema, "source": str(Path(run).resolve())}
    (tmp / EXPORT_INDEX).write_text(json.dumps(index, indent=1))
    if out.exists():
        shutil.rmtree(out)
    os.replace(tmp, out)
    return out
