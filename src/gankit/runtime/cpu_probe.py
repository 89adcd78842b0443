"""Whether bf16 autocast pays on this CPU, measured once per machine and cached.

CPUs of one kind of machine differ: with bf16 units (AVX512-BF16, AMX) a DCGAN step ran
1.68× faster under bf16 autocast than in fp32 (978 vs 581 img/s, 2026-12-01), without them
25× slower (2026-11-23). So `train.precision = "auto"` times a convolution's forward and
backward in both precisions here (about a second) instead of guessing from flags, and keeps
the answer in the user cache keyed by CPU model, flags and torch version.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from pathlib import Path

import torch
import torch.nn.functional as F

CACHE_NAME = "cpu-probe.json"
SPEED_UP_NEEDED = 1.2  # bf16 must beat fp32 by this much to be chosen


def _cpu_key() -> str:
    model, flags = platform.processor(), ""
    try:
        info = Path("/proc/cpuinfo").read_text()
        model = next((line.split(":", 1)[1].strip() for line in info.splitlines()
                      if line.startswith("model name")), model)
        flags = next((line.split(":", 1)[1].strip() for line in info.splitlines()
                      if line.startswith("flags")), "")
    except OSError:
        pass
    digest = hashlib.sha256(f"{model}|{flags}|{torch.__version__}|{torch.get_num_threads()}".encode())
    return digest.hexdigest()[:16]


def _cache_file() -> Path:
    from gankit.data.fetch import cache_dir

    return cache_dir() / CACHE_NAME


def _time(dtype: torch.dtype | None, repeats: int = 6) -> float:
    """Seconds per forward+backward of a DCGAN-sized convolution (the median of `repeats`)."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(64, 64, 16, 16, generator=generator).contiguous(memory_format=torch.channels_last)
    w = torch.randn(128, 64, 4, 4, generator=generator, requires_grad=True)
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=dtype, enabled=dtype is not None):
            out = F.conv2d(x, w, stride=2, padding=1)
        out.float().square().mean().backward()
        times.append(time.perf_counter() - start)
    return sorted(times[1:])[len(times[1:]) // 2]


def bf16_speedup() -> float:
    """fp32 time / bf16 time of the probe on this machine (cached)."""
    path, key = _cache_file(), _cpu_key()
    try:
        cached = json.loads(path.read_text())
    except (OSError, ValueError):
        cached = {}
    if key in cached:
        return float(cached[key])
    speedup = _time(None) / _time(torch.bfloat16)
    cached[key] = round(speedup, 3)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp-{os.getpid()}")
        tmp.write_text(json.dumps(cached, indent=1))
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable cache only costs a probe per run
    return speedup


def bf16_pays() -> tuple[bool, float]:
    """(whether bf16 autocast is clearly faster here, the measured speed-up)."""
    speedup = bf16_speedup()
    return speedup >= SPEED_UP_NEEDED, speedup
