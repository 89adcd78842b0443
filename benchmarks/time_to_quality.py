"""Quality per CPU-minute: a gankit preset and a plain DCGAN loop trained one after the other
for the same wall-clock budget, FID measured at fixed wall times.

    python benchmarks/time_to_quality.py [--preset dcgan-fashion-mnist] [--minutes 15]
        [--marks 6] [--n 10000] [--threads 0] [--seed 0] [--plain-preset dcgan-fashion-mnist]

The plain loop is pytorch/examples' DCGAN with the DCGAN paper's settings (Adam 2e-4, β1 0.5,
batch 128, N(0, 0.02) init, fp32, no EMA) on the nets of `--plain-preset` (the DCGAN paper's
width-64 nets of dcgan-fashion-mnist, whatever gankit's preset is), seeded by `--seed`. gankit runs the
preset as configured (its EMA, precision, batch) with `train.steps` large enough never to
end first. Both keep a copy of the sampling generator (gankit: the EMA one) at `--marks`
evenly spaced wall times; after training, each copy is scored by FID (the project's
Fashion-MNIST features, `--n` samples against the test split). Evaluation time is not
counted. Prints both curves, when gankit first reached the plain loop's final FID and the
ratio of the two times (< 0.5 is the goal), and the CPU flags; the last line is JSON.
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
import time

import torch
import torch.nn.functional as F
from loops.plain import in_memory_fields

from gankit.data import build_source
from gankit.evaluate import ImageEvalOptions, evaluate_generator
from gankit.nets import build_net
from gankit.presets import load_preset
from gankit.provenance import machine
from gankit.train import Trainer
from gankit.train.hooks import RunHooks

Taken = list[tuple[float, int, torch.nn.Module]]  # (seconds, step, generator copy) per mark


class _Budget(Exception):
    """Raised by the hook when the wall-clock budget is spent."""


class Snapshots(RunHooks):
    """Copies of the sampling generator at wall times `marks` (seconds from the first step)."""

    def __init__(self, marks: list[float]) -> None:
        self.marks, self.taken, self.start = marks, [], None

    def on_step(self, trainer) -> None:
        now = time.perf_counter()
        if self.start is None:
            self.start = now
        while len(self.taken) < len(self.marks) and now - self.start >= self.marks[len(self.taken)]:
            self.taken.append((now - self.start, trainer.step,
                               copy.deepcopy(trainer.sampling_nets()["G"]).cpu().eval()))
        if len(self.taken) == len(self.marks):
            raise _Budget


def run_gankit(preset: str, marks: list[float], overrides: list[str]) -> Taken:
    cfg = load_preset(preset, ["train.steps=10000000", "train.sample_every=10000000",
                               "train.checkpoint_every=10000000", "train.tensorboard=false",
                               "train.log_every=1000", *overrides])
    hooks = Snapshots(marks)
    with tempfile.TemporaryDirectory() as run_dir:
        trainer = Trainer(cfg, run_dir, progress=False, hooks=hooks)
        try:
            trainer.run()
        except _Budget:
            pass
    return hooks.taken


def run_plain(preset: str, marks: list[float], overrides: list[str], seed: int) -> Taken:
    """pytorch/examples' DCGAN loop with the paper's settings on `preset`'s nets and data,
    snapshots at `marks`."""
    cfg = load_preset(preset, overrides)
    data = in_memory_fields(build_source(cfg.data, 0))["image"]
    torch.manual_seed(seed)
    shape = tuple(data.shape[1:])
    gen = build_net("generator", cfg.nets["G"], shape)
    disc = build_net("discriminator", cfg.nets["D"], shape)
    opt_g = torch.optim.Adam(gen.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=2e-4, betas=(0.5, 0.999))
    batch, dim, bce = 128, cfg.nets["G"].latent_dim, F.binary_cross_entropy_with_logits
    taken, start, step = [], time.perf_counter(), 0
    while len(taken) < len(marks):
        real = data[torch.randint(len(data), (batch,))]
        fake = gen(torch.randn(batch, dim))
        out_real, out_fake = disc(real), disc(fake.detach())
        loss_d = bce(out_real, torch.ones_like(out_real)) + bce(out_fake, torch.zeros_like(out_fake))
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        out = disc(fake)
        loss_g = bce(out, torch.ones_like(out))
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        step += 1
        now = time.perf_counter() - start
        while len(taken) < len(marks) and now >= marks[len(taken)]:
            taken.append((now, step, copy.deepcopy(gen).eval()))
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="dcgan-fashion-mnist", help="gankit's side")
    parser.add_argument("--plain-preset", default="dcgan-fashion-mnist",
                        help="whose nets and data the plain loop trains (default: the DCGAN paper's "
                        "nets of dcgan-fashion-mnist, whatever --preset is)")
    parser.add_argument("--minutes", type=float, default=15.0, help="wall-clock budget of each (default 15)")
    parser.add_argument("--marks", type=int, default=6, help="FID measurements per run")
    parser.add_argument("--n", type=int, default=10_000, help="samples per FID")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", action="append", default=[], help="overrides of both (e.g. data.root)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    budget = 60 * args.minutes
    marks = [budget * (i + 1) / args.marks for i in range(args.marks)]
    overrides = [f"train.seed={args.seed}", 'train.device="cpu"', *args.set]
    curves = {"gankit": run_gankit(args.preset, marks, overrides),
              "plain": run_plain(args.plain_preset, marks, overrides, args.seed)}
    cfg = load_preset(args.preset, overrides)
    opts = ImageEvalOptions(metrics=["fid"], features="fmnist", n=args.n, seed=args.seed, progress=False)
    table = {name: [{"seconds": round(t, 1), "step": s, "fid": evaluate_generator(g, cfg.data, opts)["fid"]}
                    for t, s, g in taken] for name, taken in curves.items()}
    target = table["plain"][-1]["fid"]
    reached = next((row["seconds"] for row in table["gankit"] if row["fid"] <= target), None)
    print(f"{args.preset} vs a plain DCGAN loop, {args.minutes:g} min each, FID (fmnist features, "
          f"{args.n} samples)")
    for name, rows in table.items():
        print(f"{name:>7}: " + "  ".join(f"{r['seconds'] / 60:.1f} min {r['fid']:.2f}" for r in rows))
    if reached is None:
        print(f"gankit did not reach the plain loop's final FID {target:.2f} within the budget")
    else:
        print(f"gankit reached the plain loop's final FID {target:.2f} after {reached / 60:.1f} min: "
              f"{reached / budget:.2f} of the plain loop's time")
    print(json.dumps({"preset": args.preset, "plain_preset": args.plain_preset, "minutes": args.minutes,
                      "n": args.n, "seed": args.seed,
                      "curves": table, "plain_final_fid": target,
                      "time_ratio": None if reached is None else round(reached / budget, 3),
                      "threads": torch.get_num_threads(), "torch": torch.__version__, **machine()}))


if __name__ == "__main__":
    main()
