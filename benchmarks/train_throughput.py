"""gankit's Trainer vs a plain PyTorch loop of the same nets, batch and settings, in one process.

    python benchmarks/train_throughput.py [--preset dcgan-fashion-mnist | pix2pix-glyphs |
        cyclegan-glyphs] [--threads N]
        [--image-size 64] [--batch-size 256] [--precision fp32|bf16|fp16] [--compile
        [--compile-mode M]] [--channels-last] [--steps 60] [--repeats 2] [--device auto|cpu|cuda]

Both loops run the preset's update (a GAN preset: DCGAN's D on real and fake, then G; a
pix2pix preset: the conditional PatchGAN D on (A, B) and (A, G(A)), then G with L1; a
CycleGAN preset: G and F with adversarial, cycle and identity terms, then both Ds on pooled
fakes) on
in-memory batches with the same autocast precision, memory layout and torch.compile
setting; the two are interleaved
`--repeats` times (so drift of the machine hits both) after `--warmup` steps each. Prints
img/s and ms/step of each, their ratio, peak RSS of the process and, on CUDA, peak GPU
memory of each loop; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import tempfile
import typing

import torch
from loops.plain import PLAIN_LOOPS, in_memory_fields

from gankit.config import TrainConfig
from gankit.data import build_source
from gankit.presets import load_preset
from gankit.train import Trainer
from gankit.train.metrics_log import read_metrics


def cpu_flags() -> list[str]:
    """The CPU's vector and matrix extensions that decide bf16 and fp32 speed."""
    try:
        text = open("/proc/cpuinfo").read()
    except OSError:
        return []
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines()
                  if line.startswith("flags")), [])
    return sorted(f for f in flags if f.startswith(("avx", "amx")) or f in ("fma", "f16c"))


def gankit_loop(cfg, steps: int, warmup: int) -> float:
    """gankit's Trainer: img/s of the logged window (one log row over the timed steps)."""
    with tempfile.TemporaryDirectory() as run_dir:
        cfg.train.steps, cfg.train.log_every = warmup, warmup
        trainer = Trainer(cfg, run_dir, progress=False)
        trainer.run()  # warm-up (and compilation), as for the plain loop
        cfg.train.steps = cfg.train.log_every = warmup + steps
        trainer.run()
        return read_metrics(run_dir)[-1]["img_per_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="dcgan-fashion-mnist")
    parser.add_argument("--image-size", type=int, help="32 or 64 (default: the preset's)")
    parser.add_argument("--batch-size", type=int, help="default: the preset's")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"])
    parser.add_argument("--compile", action="store_true", help="torch.compile G and D in both")
    modes = typing.get_args(typing.get_type_hints(TrainConfig)["compile_mode"])
    parser.add_argument("--compile-mode", default="default", choices=modes)
    parser.add_argument("--channels-last", action="store_true", help="NHWC layout in both")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--steps", type=int, default=60, help="timed steps per repeat")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads (0: torch's default; on 2 shared cores 1 can beat 2)")
    parser.add_argument("--set", action="append", default=[], help="more config overrides")
    args = parser.parse_args()
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available()
                          else "cpu" if args.device == "auto" else args.device)
    # like for like: the plain loop keeps no EMA of G, writes no samples or checkpoints
    overrides = ["train.tensorboard=false", "train.sample_every=100000", "train.ema_decay=0",
                 "train.checkpoint_every=100000", f'train.device="{device.type}"',
                 f'train.precision="{args.precision}"',
                 f'train.compile="{str(args.compile).lower()}"', f'train.compile_mode="{args.compile_mode}"',
                 f'train.channels_last="{str(args.channels_last).lower()}"', *args.set]
    if args.image_size:
        overrides.append(f"data.image_size={args.image_size}")
    if args.batch_size:
        overrides.append(f"train.batch_size={args.batch_size}")
    cfg = load_preset(args.preset, overrides)
    if args.threads:
        torch.set_num_threads(args.threads)
    if cfg.recipe not in PLAIN_LOOPS:
        parser.error(f"no plain loop for recipe {cfg.recipe} (have: {', '.join(PLAIN_LOOPS)})")
    data = {k: v.to(device) for k, v in in_memory_fields(build_source(cfg.data, 0)).items()}
    plain_loop_of = PLAIN_LOOPS[cfg.recipe]
    plain, ours, gpu_mem = [], [], {"plain": 0, "gankit": 0}
    for _ in range(args.repeats):
        for name in ("plain", "gankit"):
            if device.type == "cuda":
                torch.cuda.reset_peak_memory_stats(device)
            if name == "plain":
                plain.append(plain_loop_of(cfg, data, args.steps, args.warmup, device, args.precision,
                                           args.channels_last, args.compile and args.compile_mode))
            else:
                ours.append(gankit_loop(load_preset(args.preset, overrides), args.steps, args.warmup))
            if device.type == "cuda":
                gpu_mem[name] = max(gpu_mem[name], torch.cuda.max_memory_allocated(device))
    best_plain, best_ours = max(plain), max(ours)
    batch = cfg.train.batch_size
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    setting = (f"{cfg.data.image_size}x{cfg.data.image_size}, batch {batch}, {args.precision}, "
               f"{'compiled (' + args.compile_mode + ')' if args.compile else 'eager'}, "
               f"{'channels-last' if args.channels_last else 'contiguous'}, {device}")
    print(setting)
    for name, runs, best in (("plain PyTorch loop", plain, best_plain), ("gankit Trainer", ours, best_ours)):
        print(f"{name + ':':20s}{best:8.0f} img/s  {1000 * batch / best:7.1f} ms/step  "
              f"(runs: {[round(r) for r in runs]})")
    mem = (f"; peak GPU memory plain {gpu_mem['plain'] / 2**20:.0f} MiB, gankit "
           f"{gpu_mem['gankit'] / 2**20:.0f} MiB" if device.type == "cuda" else "")
    print(f"ratio gankit/plain: {best_ours / best_plain:.3f}; peak RSS {rss_mib:.0f} MiB{mem}")
    print(json.dumps({
        "preset": args.preset, "image_size": cfg.data.image_size, "batch_size": batch,
        "precision": args.precision, "compile": args.compile and args.compile_mode,
        "channels_last": args.channels_last,
        "device": str(device), "steps": args.steps, "repeats": args.repeats,
        "plain_img_per_s": round(best_plain, 1), "gankit_img_per_s": round(best_ours, 1),
        "ratio": round(best_ours / best_plain, 3), "peak_rss_mib": round(rss_mib),
        "peak_gpu_mib": {k: round(v / 2**20) for k, v in gpu_mem.items()} if device.type == "cuda" else None,
        "torch": torch.__version__, "threads": torch.get_num_threads(), "machine": platform.machine(),
        "cpu_flags": cpu_flags(),
    }))


if __name__ == "__main__":
    main()
