"""Soak test: kill a training with SIGKILL at random moments, many times, and check that no
kill ever costs a valid checkpoint and that resuming ends bit-identical to a run never killed.

    .venv/bin/python scripts/soak_kill.py --kills 20 --steps 40 --checkpoint-every 1

After every kill: `latest` must name a complete checkpoint (state loads with
weights_only=True, every weights file loads and is finite) and the next `--resume` must
start. At the end the killed run is resumed to the last step and its weights are compared
tensor by tensor with an uninterrupted run of the same config. With --checkpoint-every 1 most
of the run is spent writing checkpoints, so many kills land inside a write; the script
counts the kills after which a half-written or half-pruned folder was left (cleaned by the
next start). Not part of `make test` (it takes minutes); tests/test_hostile.py has a smoke run.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

from gankit.data.idx import write_idx
from gankit.runs import latest_checkpoint, load_state


def tiny_dataset(root: Path) -> Path:
    rng = np.random.default_rng(0)
    root.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", 96), ("t10k", 32)):
        write_idx(root / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)).astype(np.uint8))
        write_idx(root / f"{prefix}-labels-idx1-ubyte.gz", rng.integers(0, 10, n).astype(np.uint8))
    return root


# runs the CLI with every fsync of a checkpoint write slowed down, so that random kills land
# inside writes often (the code under test is unchanged: only its pace)
SLOW_WRITES = ("import sys, time\n"
               "import gankit.train.checkpoint as c\n"
               "real, pause = c._fsync, float(sys.argv.pop(1))\n"
               "c._fsync = lambda path: (time.sleep(pause), real(path))[1]\n"
               "from gankit.cli import main\n"
               "sys.exit(main(sys.argv[1:]))\n")
PAUSE = ["0"]


def gankit(*argv: str) -> list[str]:
    return [sys.executable, "-c", SLOW_WRITES, PAUSE[0], *argv]


def train_args(data: Path, run: Path, steps: int, every: int) -> list[str]:
    return [*gankit("train"), "--preset", "dcgan-fashion-mnist",
            "--data-dir", str(data), "--out", str(run), "--steps", str(steps), "--batch-size", "16",
            "--no-progress", "--set", "data.image_size=28", "--set", "nets.G.width=8",
            "--set", "nets.D.width=8", "--set", "nets.G.latent_dim=8", "--set", "train.tensorboard=false",
            "--set", "train.precision=fp32", "--set", "train.sample_every=1000",
            "--set", f"train.checkpoint_every={every}", "--set", "train.log_every=1000"]


def resume_args(run: Path) -> list[str]:
    return [*gankit("train", "--resume", str(run), "--no-progress")]


def check_latest(run: Path) -> int:
    """The step of `latest` after checking it is complete and finite (0: none yet)."""
    checkpoint = latest_checkpoint(run)
    if checkpoint is None:
        return 0
    state = load_state(checkpoint)
    weights = sorted(checkpoint.glob("*.safetensors"))
    if not weights:
        raise SystemExit(f"FAIL: {checkpoint} has no weights")
    for path in weights:
        if not all(torch.isfinite(t).all() for t in load_file(path).values() if t.is_floating_point()):
            raise SystemExit(f"FAIL: {path} holds NaN or inf")
    return int(state["step"])


def leftovers(run: Path) -> list[str]:
    root = run / "checkpoints"
    return sorted(p.name for p in root.glob(".*")) if root.is_dir() else []


def same_weights(a: Path, b: Path) -> bool:
    for path in sorted(a.glob("*.safetensors")):
        left, right = load_file(path), load_file(b / path.name)
        if left.keys() != right.keys() or not all(torch.equal(left[k], right[k]) for k in left):
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs to deliver")
    parser.add_argument("--steps", type=int, default=40, help="steps of the run")
    parser.add_argument("--checkpoint-every", type=int, default=1)
    parser.add_argument("--max-delay", type=float, default=8.0, help="longest wait before a kill (s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill times")
    parser.add_argument("--slow-writes", type=float, default=0.05,
                        help="seconds added to each fsync of a checkpoint write (0: full speed)")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    PAUSE[0] = str(args.slow_writes)
    work = args.work or Path(tempfile.mkdtemp(prefix="gankit-soak-"))
    shutil.rmtree(work / "killed", ignore_errors=True)
    shutil.rmtree(work / "reference", ignore_errors=True)
    data = tiny_dataset(work / "fmnist")
    started = time.time()
    subprocess.run(train_args(data, work / "reference", args.steps, args.checkpoint_every), check=True,
                   capture_output=True)
    run = work / "killed"
    report = {"kills": 0, "inside_a_write": 0, "steps_at_kills": []}
    while report["kills"] < args.kills:
        command = resume_args(run) if (run / "config.toml").exists() else \
            train_args(data, run, args.steps, args.checkpoint_every)
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            process.wait(timeout=rng.uniform(0.5, args.max_delay))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            report["kills"] += 1
            report["inside_a_write"] += bool(leftovers(run))
            report["steps_at_kills"].append(check_latest(run))
            continue
        if process.returncode != 0:
            raise SystemExit(f"FAIL: {' '.join(command[4:7])} exited {process.returncode}: "
                             f"{process.stderr.read().decode()[-400:]}")
        if check_latest(run) >= args.steps:  # it finished before a kill: start the run again
            shutil.rmtree(run)
    finish = subprocess.run(resume_args(run) if (run / "config.toml").exists() else
                            train_args(data, run, args.steps, args.checkpoint_every), capture_output=True)
    if finish.returncode != 0:
        raise SystemExit(f"FAIL: the last resume exited {finish.returncode}: {finish.stderr.decode()[-400:]}")
    if check_latest(run) != args.steps or leftovers(run):
        raise SystemExit(f"FAIL: finished at step {check_latest(run)} with leftovers {leftovers(run)}")
    if not same_weights(latest_checkpoint(run), latest_checkpoint(work / "reference")):
        raise SystemExit("FAIL: the killed and resumed run's weights differ from the uninterrupted run's")
    report["identical_to_uninterrupted"] = True
    report["seconds"] = round(time.time() - started, 1)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
