"""Short DCGAN runs: FID of the raw G, of the EMA with warm-up, and of the plain EMA.

    python scripts/measure_ema_warmup.py --steps 300 400 --seeds 0 1 2 3 4 --out docs/results/ema-warmup.jsonl

Each run trains dcgan-fashion-mnist for STEPS steps once with the ramped decay; the plain
EMA (decay 0.999 from step 0, what gankit did before) is replayed on the same training in
the same process (the EMA does not change training, so G's trajectory is identical). FID:
the project's Fashion-MNIST features, 2,000 samples against 2,000 test images.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

import torch

from gankit.evaluate import ImageEvalOptions, evaluate_generator
from gankit.presets import load_preset
from gankit.sampling import recalibrate_batch_norm
from gankit.train import Trainer
from gankit.train.ema import EMA


def measure(steps: int, seed: int, n: int) -> dict:
    cfg = load_preset("dcgan-fashion-mnist", [f"train.steps={steps}", f"train.seed={seed}",
                                               "train.tensorboard=false", "train.sample_every=100000",
                                               "train.checkpoint_every=100000"])
    with tempfile.TemporaryDirectory() as run:
        trainer = Trainer(cfg, run, progress=False)
        plain = EMA(trainer.recipe.nets["G"], cfg.train.ema_decay)
        original = trainer.emas["G"].update

        def both(net):
            original(net)
            with torch.no_grad():  # the constant-decay EMA of the same trajectory
                torch._foreach_lerp_(list(plain.shadow.parameters()),
                                     [p.detach() for p in net.parameters()], 1.0 - plain.decay)
                for a, b in zip(plain.shadow.buffers(), net.buffers(), strict=True):
                    a.copy_(b)

        trainer.emas["G"].update = both
        start = time.perf_counter()
        trainer.run()
        seconds = time.perf_counter() - start
        nets = trainer.sampling_nets()
        recalibrate_batch_norm(plain.shadow)
        opts = ImageEvalOptions(metrics=["fid"], features="fmnist", n=n)
        raw = trainer.recipe.modules()["G"]
        fid = {name: evaluate_generator(g, cfg.data, opts)["fid"]
               for name, g in (("raw", raw), ("ema_warmup", nets["G"]), ("ema_plain", plain.shadow))}
    return {"steps": steps, "seed": seed, "n": n, "train_seconds": round(seconds, 1), **fid}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, nargs="+", default=[300, 400])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--out", default="docs/results/ema-warmup.jsonl")
    args = parser.parse_args()
    with open(args.out, "a") as handle:
        for steps in args.steps:
            for seed in args.seeds:
                row = measure(steps, seed, args.n)
                print(json.dumps(row), flush=True)
                handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
