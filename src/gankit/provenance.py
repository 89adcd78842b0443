"""Where a run's numbers came from: each start or resume appends one line to
RUN/provenance.jsonl with the command line, gankit's version and git commit, the library
versions and the machine (CPU model and flags, GPU), for reports and for reproducing it."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import torch

from gankit import __version__

PROVENANCE_FILE = "provenance.jsonl"


def git_commit() -> str | None:
    """The commit of the gankit checkout that is running (with "-dirty" for local changes),
    or None when gankit is not run from a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True,
                                timeout=5)
        if commit.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return commit.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def machine() -> dict[str, Any]:
    """The CPU (model, cores, the vector/matrix flags that decide speed) and GPU."""
    model, flags = platform.processor(), []
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and not model:
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = sorted(f for f in line.split(":", 1)[1].split()
                               if f.startswith(("avx", "amx")) or f in ("fma", "f16c"))
                break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    import os

    return {"cpu": model or platform.machine(), "cores": os.cpu_count(), "cpu_flags": flags, "gpu": gpu,
            "system": f"{platform.system()} {platform.release()}"}


def collect(event: str, world_size: int = 1) -> dict[str, Any]:
    return {"event": event, "time": time.strftime("%Y-%m-%d %H:%M:%S %z"), "argv": sys.argv,
            "gankit": __version__, "git_commit": git_commit(), "torch": torch.__version__,
            "python": platform.python_version(), "world_size": world_size, **machine()}


def record_start(run_dir: Path, event: str, world_size: int = 1) -> None:
    from gankit.io import append_line

    append_line(Path(run_dir) / PROVENANCE_FILE, json.dumps(collect(event, world_size)))


def read_provenance(run_dir: Path) -> list[dict[str, Any]]:
    from gankit.io import read_json_lines

    return read_json_lines(Path(run_dir) / PROVENANCE_FILE)
