"""Writing what a sampler draws: an .npz of uint8 images (or float32 points) with labels for
conditional samplers, and a picture of them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from gankit.images import save_grid, save_scatter, to_uint8
from gankit.inference.sampler import Sampler


def write_samples(samples: torch.Tensor, out: str | Path | None, labels: torch.Tensor | None = None,
                  grid: str | Path | None = None, rows_per_class: int | None = None,
                  folder: str | Path | None = None, reference: str = "") -> None:
    """Save `samples` (float NCHW in [-1, 1], or (N, 2) points) to `out` (.npz: 'images' uint8
    NHWC or 'points' float32, plus 'labels'), a picture to `grid` (conditional samples with
    `rows_per_class`: a row per class; points over the toy mixture `reference`), and one PNG
    per image into `folder` (NNNNNN.png, or NNNNNN_cC.png with class C)."""
    if samples.ndim == 2:
        points = samples.numpy().astype(np.float32)
        if out:
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(out, points=points)
        if grid:
            from gankit.data.toy import TOY_MIXTURES, sample_mixture

            data = sample_mixture(reference, 2000, seed=1234).numpy() if reference in TOY_MIXTURES else None
            save_scatter(points, grid, data, title=f"{len(points)} samples")
        return
    images = to_uint8(samples)
    arrays = {"images": images}
    if labels is not None:
        arrays["labels"] = labels.numpy().astype(np.int64)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(out, **arrays)
    if folder:
        from gankit.inference.images_io import write_images

        names = [f"{i:06d}" + (f"_c{int(c)}" if labels is not None else "")
                 for i, c in enumerate(labels.tolist() if labels is not None else range(len(images)))]
        write_images(samples, names, folder)
    if grid:
        nrow = None
        if labels is not None and rows_per_class:  # one row per class
            nrow = rows_per_class
            classes = int(labels.max()) + 1
            rows = [np.flatnonzero(arrays["labels"] == c)[:nrow] for c in range(classes)]
            images = np.concatenate([images[r] for r in rows if len(r)])
        save_grid(images, grid, nrow=nrow, scale=2 if images.shape[1] <= 32 else 1)


def write_interpolation(sampler: Sampler, out: str | Path, rows: int, steps: int, seed: int = 0,
                        mode: str = "linear") -> None:
    """`rows` latent walks of `steps` images, one walk per row of the picture `out`."""
    images = to_uint8(sampler.interpolate(rows, steps, seed, mode))
    save_grid(images, out, nrow=steps, scale=2 if images.shape[1] <= 32 else 1)
