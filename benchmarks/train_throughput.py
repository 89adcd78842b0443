"""gankit's Trainer vs a plain PyTorch loop of the same nets, batch and settings, in one process.

    python benchmarks/train_throughput.py [--preset dcgan-fashion-mnist | pix2pix-glyphs]
        [--image-size 64] [--batch-size 256] [--precision fp32|bf16|fp16] [--compile
        [--compile-mode M]] [--channels-last] [--steps 60] [--repeats 2] [--device auto|cpu|cuda]

Both loops run the preset's update (a GAN preset: DCGAN's D on real and fake, then G; a
pix2pix preset: the conditional PatchGAN D on (A, B) and (A, G(A)), then G with L1) on
in-memory batches with the same autocast precision, memory layout and torch.compile
setting; the two are interleaved
`--repeats` times (so drift of the machine hits both) after `--warmup` steps each. Prints
img/s and ms/step of each, their ratio, peak RSS of the process and, on CUDA, peak GPU
memory of each loop; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import resource
import tempfile
import time
import typing

import torch
import torch.nn.functional as F

from gankit.config import TrainConfig
from gankit.data import build_source
from gankit.nets import build_net
from gankit.presets import load_preset
from gankit.runtime.settings import CUDA_GRAPH_MODES
from gankit.train import Trainer
from gankit.train.metrics_log import read_metrics

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def cpu_flags() -> list[str]:
    """The CPU's vector and matrix extensions that decide bf16 and fp32 speed."""
    try:
        text = open("/proc/cpuinfo").read()
    except OSError:
        return []
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines()
                  if line.startswith("flags")), [])
    return sorted(f for f in flags if f.startswith(("avx", "amx")) or f in ("fma", "f16c"))


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def plain_loop(cfg, data: torch.Tensor, steps: int, warmup: int, device: torch.device,
               precision: str, channels_last: bool, compile_mode: str | bool) -> float:
    """pytorch/examples' DCGAN loop, written plainly (no per-step host sync): img/s."""
    torch.manual_seed(0)
    shape = tuple(data.shape[1:])
    layout = torch.channels_last if channels_last else torch.contiguous_format
    gen = build_net("generator", cfg.nets["G"], shape).to(device, memory_format=layout)
    disc = build_net("discriminator", cfg.nets["D"], shape).to(device, memory_format=layout)
    betas, fused = (cfg.optim.beta1, cfg.optim.beta2), device.type == "cuda" or None
    opt_g = torch.optim.Adam(gen.parameters(), lr=cfg.optim.lr["G"], betas=betas, fused=fused)
    opt_d = torch.optim.Adam(disc.parameters(), lr=cfg.optim.lr["D"], betas=betas, fused=fused)
    run_g, run_d = ((torch.compile(gen, mode=compile_mode), torch.compile(disc, mode=compile_mode))
                    if compile_mode else (gen, disc))
    scaler = torch.amp.GradScaler(device.type) if precision == "fp16" else None
    autocast = (torch.autocast(device.type, dtype=DTYPES[precision]) if precision in DTYPES
                else contextlib.nullcontext())
    batch, dim = cfg.train.batch_size, cfg.nets["G"].latent_dim

    def backward_step(loss, opt):
        opt.zero_grad(set_to_none=True)
        if scaler is None:
            loss.backward()
            opt.step()
        else:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()

    start = None
    for i in range(steps + warmup):
        if i == warmup:
            _sync(device)
            start = time.perf_counter()
        if compile_mode in CUDA_GRAPH_MODES and device.type == "cuda":
            torch.compiler.cudagraph_mark_step_begin()  # last step's graph outputs may be reused
        real = data[torch.randint(len(data), (batch,), device=data.device)]
        real = real.contiguous(memory_format=layout)
        with autocast:
            fake = run_g(torch.randn(batch, dim, device=device))
            out_real, out_fake = run_d(real).float(), run_d(fake.detach()).float()
            loss_d = (F.binary_cross_entropy_with_logits(out_real, torch.ones_like(out_real))
                      + F.binary_cross_entropy_with_logits(out_fake, torch.zeros_like(out_fake)))
        backward_step(loss_d, opt_d)
        with autocast:
            out = run_d(fake).float()
            loss_g = F.binary_cross_entropy_with_logits(out, torch.ones_like(out))
        backward_step(loss_g, opt_g)
    _sync(device)
    return steps * batch / (time.perf_counter() - start)


def plain_pix2pix_loop(cfg, data: dict, steps: int, warmup: int, device: torch.device,
                       precision: str, channels_last: bool, compile_mode: str | bool) -> float:
    """The pix2pix repository's update, written plainly: img/s."""
    torch.manual_seed(0)
    a_all, b_all = data["A"], data["B"]
    layout = torch.channels_last if channels_last else torch.contiguous_format
    shape = tuple(b_all.shape[1:])
    gen = build_net("translator", cfg.nets["G"], shape, in_channels=a_all.shape[1])
    gen = gen.to(device, memory_format=layout)
    judged = (a_all.shape[1] + b_all.shape[1], *shape[1:])
    disc = build_net("discriminator", cfg.nets["D"], judged).to(device, memory_format=layout)
    betas, fused = (cfg.optim.beta1, cfg.optim.beta2), device.type == "cuda" or None
    opt_g = torch.optim.Adam(gen.parameters(), lr=cfg.optim.lr["G"], betas=betas, fused=fused)
    opt_d = torch.optim.Adam(disc.parameters(), lr=cfg.optim.lr["D"], betas=betas, fused=fused)
    run_g, run_d = ((torch.compile(gen, mode=compile_mode), torch.compile(disc, mode=compile_mode))
                    if compile_mode else (gen, disc))
    autocast = (torch.autocast(device.type, dtype=DTYPES[precision]) if precision in DTYPES
                else contextlib.nullcontext())
    batch, weight = cfg.train.batch_size, cfg.options.l1
    bce = F.binary_cross_entropy_with_logits
    start = None
    for i in range(steps + warmup):
        if i == warmup:
            _sync(device)
            start = time.perf_counter()
        idx = torch.randint(len(a_all), (batch,), device=a_all.device)
        a, b = (t[idx].contiguous(memory_format=layout) for t in (a_all, b_all))
        with autocast:
            fake = run_g(a)
            real_out = run_d(torch.cat([a, b], 1)).float()
            fake_out = run_d(torch.cat([a, fake.detach()], 1)).float()
            loss_d = 0.5 * (bce(real_out, torch.ones_like(real_out))
                            + bce(fake_out, torch.zeros_like(fake_out)))
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        with autocast:
            out = run_d(torch.cat([a, fake], 1)).float()
            loss_g = bce(out, torch.ones_like(out)) + weight * F.l1_loss(fake.float(), b.float())
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
    _sync(device)
    return steps * batch / (time.perf_counter() - start)


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
    source = build_source(cfg.data, 0)
    translation = cfg.recipe == "pix2pix"
    data = ({k: source.fields[k].to(device) for k in ("A", "B")} if translation
            else source.fields["image"].to(device))
    plain_loop_of = plain_pix2pix_loop if translation else plain_loop
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
