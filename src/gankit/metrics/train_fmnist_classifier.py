"""Train the Fashion-MNIST classifier behind the `fmnist` extractor and save its weights.

    python -m gankit.metrics.train_fmnist_classifier [--epochs 8] [--out FILE]

Trains on the 60,000 training images (random flips and 2-pixel shifts), measures accuracy
on the 10,000 test images, and writes safetensors with the accuracy in its metadata.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from gankit.metrics.fmnist_net import WEIGHTS_FILE, FashionClassifier


def _to_float(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(images).float().div_(127.5).sub_(1.0).unsqueeze(1)


def _augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random horizontal flips and shifts of up to 2 pixels (background padding)."""
    flip = torch.rand(len(x), generator=gen) < 0.5
    x = torch.where(flip.view(-1, 1, 1, 1), x.flip(-1), x)
    padded = F.pad(x, (2, 2, 2, 2), value=-1.0)
    dy, dx = torch.randint(0, 5, (2,), generator=gen).tolist()
    return padded[:, :, dy : dy + 28, dx : dx + 28]


@torch.no_grad()
def accuracy(net: FashionClassifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    net.eval()
    correct = sum(int((net(images[i : i + 1000]).argmax(1) == labels[i : i + 1000]).sum())
                  for i in range(0, len(images), 1000))
    return correct / len(images)


def train_classifier(epochs: int = 8, batch_size: int = 128, lr: float = 2e-3,
                     seed: int = 0) -> tuple[FashionClassifier, float]:
    """Train from scratch; returns the net and its test accuracy."""
    from gankit.data.mnist import load_idx_split

    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    train_x, train_y = load_idx_split("fashion-mnist", "train")
    test_x, test_y = load_idx_split("fashion-mnist", "test")
    x, y = _to_float(train_x), torch.from_numpy(train_y)
    tx, ty = _to_float(test_x), torch.from_numpy(test_y)
    net = FashionClassifier()
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=5e-4)
    steps_per_epoch = len(x) // batch_size
    total = epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
    bar = tqdm(total=total, desc="fmnist classifier", unit="step")
    for epoch in range(epochs):
        net.train()
        perm = torch.randperm(len(x), generator=gen)
        for i in range(steps_per_epoch):
            idx = perm[i * batch_size : (i + 1) * batch_size]
            loss = F.cross_entropy(net(_augment(x[idx], gen)), y[idx], label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            bar.update()
        acc = accuracy(net, tx, ty)
        bar.write(f"epoch {epoch + 1}/{epochs}: loss {loss.item():.3f}, test accuracy {acc:.4f}")
    bar.close()
    return net.eval(), accuracy(net, tx, ty)


def save(net: FashionClassifier, path: Path, metadata: dict[str, str]) -> None:
    """Write the weights atomically with their metadata."""
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, tmp, metadata=metadata)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    args = parser.parse_args(argv)
    start = time.time()
    net, acc = train_classifier(args.epochs, seed=args.seed)
    save(net, args.out, {"test_accuracy": f"{acc:.4f}", "epochs": str(args.epochs),
                         "seed": str(args.seed), "torch": torch.__version__,
                         "trained_by": "python -m gankit.metrics.train_fmnist_classifier"})
    print(f"test accuracy {acc:.4f} after {args.epochs} epochs ({time.time() - start:.0f} s); "
          f"weights in {args.out}")


if __name__ == "__main__":
    main()
