"""gankit's training step vs a plain PyTorch loop of the same nets and batch, in one process.

Prints img/s of each, their ratio and peak RSS; the last line is one JSON object.
    python benchmarks/train_throughput.py [--preset dcgan-fashion-mnist] [--steps 150]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import tempfile
import time

import torch
import torch.nn.functional as F

from gankit.data import build_source
from gankit.nets import build_discriminator, build_generator
from gankit.presets import load_preset
from gankit.train import Trainer


def plain_loop(cfg, data: torch.Tensor, steps: int) -> float:
    """The pytorch/examples DCGAN loop, written plainly: returns img/s over `steps`."""
    torch.manual_seed(0)
    shape = tuple(data.shape[1:])
    gen, disc = build_generator(cfg.model, shape), build_discriminator(cfg.model, shape)
    betas = (cfg.optim.beta1, cfg.optim.beta2)
    opt_g = torch.optim.Adam(gen.parameters(), lr=cfg.optim.lr_g, betas=betas)
    opt_d = torch.optim.Adam(disc.parameters(), lr=cfg.optim.lr_d, betas=betas)
    batch = cfg.train.batch_size
    start = None
    for i in range(steps + 10):
        if i == 10:
            start = time.perf_counter()
        real = data[torch.randint(len(data), (batch,))]
        fake = gen(torch.randn(batch, cfg.model.latent_dim))
        out_real, out_fake = disc(real), disc(fake.detach())
        loss_d = (F.binary_cross_entropy_with_logits(out_real, torch.ones_like(out_real))
                  + F.binary_cross_entropy_with_logits(out_fake, torch.zeros_like(out_fake)))
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        out = disc(fake)
        loss_g = F.binary_cross_entropy_with_logits(out, torch.ones_like(out))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        loss_d.item(), loss_g.item()
    return steps * batch / (time.perf_counter() - start)


def gankit_loop(cfg, steps: int) -> float:
    """gankit's Trainer (logging, checkpoints and samples as configured) over `steps`."""
    with tempfile.TemporaryDirectory() as run_dir:
        cfg.train.steps = steps + 10
        cfg.train.log_every = 10
        trainer = Trainer(cfg, run_dir, progress=False, log=lambda *_: None)
        cfg.train.steps = 10
        trainer.run()  # warm-up, as for the plain loop
        cfg.train.steps = steps + 10
        result = trainer.run()
    return result.images_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="dcgan-fashion-mnist")
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--set", action="append", default=[])
    args = parser.parse_args()
    # like for like: the plain loop keeps no EMA of G
    overrides = ["train.tensorboard=false", "train.sample_every=100000", "train.ema_decay=0",
                 "train.checkpoint_every=100000", *args.set]
    cfg = load_preset(args.preset, overrides)
    data = build_source(cfg.data, 0).tensors
    plain, ours = [], []
    for _ in range(args.repeats):  # interleaved, so drift hits both alike
        plain.append(plain_loop(cfg, data, args.steps))
        ours.append(gankit_loop(load_preset(args.preset, overrides), args.steps))
    best_plain, best_ours = max(plain), max(ours)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"plain PyTorch loop: {best_plain:.0f} img/s  (runs: {[round(p) for p in plain]})")
    print(f"gankit Trainer:     {best_ours:.0f} img/s  (runs: {[round(p) for p in ours]})")
    print(f"ratio gankit/plain: {best_ours / best_plain:.3f}; peak RSS {rss_mib:.0f} MiB")
    print(json.dumps({
        "preset": args.preset, "batch_size": cfg.train.batch_size, "steps": args.steps,
        "plain_img_per_s": round(best_plain, 1), "gankit_img_per_s": round(best_ours, 1),
        "ratio": round(best_ours / best_plain, 3), "peak_rss_mib": round(rss_mib),
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "machine": platform.machine(),
    }))


if __name__ == "__main__":
    main()
