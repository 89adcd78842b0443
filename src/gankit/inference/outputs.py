"""Writing what a sampler draws: an .npz of uint8 images (or float32 points) with labels for
conditional samplers, and a picture of them."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import torch

from gankit.errors import GankitError
from gankit.images import save_grid, save_scatter, to_uint8
from gankit.inference.sampler import Sampler
from gankit.io import atomic_write


def write_samples(samples: torch.Tensor, out: str | Path | None, labels: torch.Tensor | None = None,
                  grid: str | Path | None = None, rows_per_class: int | None = None,
                  folder: str | Path | None = None, reference: str = "", first_index: int = 0) -> None:
    """Save `samples` (float NCHW in [-1, 1], or (N, 2) points) to `out` (.npz: 'images' uint8
    NHWC or 'points' float32, plus 'labels'), a picture to `grid` (conditional samples with
    `rows_per_class`: a row per class; points over the toy mixture `reference`), and one PNG
    per image into `folder` (NNNNNN.png, or NNNNNN_cC.png with class C)."""
    if samples.ndim == 2:
        points = samples.numpy().astype(np.float32)
        if out:
            with atomic_write(out) as handle:
                np.savez_compressed(handle, points=points)
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
        with atomic_write(out) as handle:
            np.savez_compressed(handle, **arrays)
    if folder:
        from gankit.inference.images_io import write_images

        names = [f"{first_index + i:06d}" + (f"_c{int(c)}" if labels is not None else "")
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


CHUNK = 4096  # samples generated and written at a time


def chunk_seed(seed: int, chunk: int) -> int:
    """The latent seed of chunk `chunk` (chunk 0 is `seed` itself: small draws are unchanged)."""
    return seed if chunk == 0 else (seed * 1_000_003 + chunk * 7_919) % (2**63)


def needed_bytes(sampler: Sampler, n: int) -> int:
    """Bytes of the samples' array before compression (uint8 images, float32 points)."""
    per = int(np.prod(sampler.output_shape)) * (4 if sampler.points else 1)
    return n * per


def check_room(sampler: Sampler, n: int, targets: list[Path]) -> None:
    """One line when `n` samples cannot fit on the disks they go to."""
    import shutil

    need = needed_bytes(sampler, n)
    for target in targets:
        folder = target if target.is_dir() else target.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        free = shutil.disk_usage(folder).free
        if need > free:
            raise GankitError(f"{n:,} samples of {'x'.join(map(str, sampler.output_shape))} need "
                              f"{need / 1e9:,.1f} GB at {target} (before compression), and only "
                              f"{free / 1e9:,.1f} GB is free there")


def stream_samples(sampler: Sampler, n: int, seed: int, class_index: int | None, out: str | None,
                   folder: str | None, grid: str | None, reference: str = "") -> None:
    """Draw `n` samples CHUNK at a time into an .npz (streamed into its zip entry), a folder of
    PNGs and/or a picture of the first ones: memory stays bounded whatever `n`."""
    import zipfile

    targets = [Path(p) for p in (out, folder) if p]
    check_room(sampler, n, targets)
    all_labels = sampler.labels(n, class_index)
    shown, shown_labels = None, None
    entry_shape = (n, 2) if sampler.points else (n, *sampler.output_shape[1:], sampler.output_shape[0])
    dtype = np.float32 if sampler.points else np.uint8
    key = "points" if sampler.points else "images"
    with contextlib.ExitStack() as stack:
        entry = None
        if out:
            handle = stack.enter_context(atomic_write(out))
            archive = stack.enter_context(zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, allowZip64=True))
            entry = stack.enter_context(archive.open(f"{key}.npy", "w", force_zip64=True))
            header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
                      "shape": entry_shape}
            np.lib.format.write_array_header_2_0(entry, header)
        for chunk, start in enumerate(range(0, n, CHUNK)):
            count = min(CHUNK, n - start)
            labels = None if all_labels is None else all_labels[start:start + count]
            samples = sampler.sample(count, chunk_seed(seed, chunk), labels)
            array = samples.numpy().astype(np.float32) if sampler.points else to_uint8(samples)
            if entry is not None:
                entry.write(np.ascontiguousarray(array).tobytes())
            if folder and not sampler.points:
                write_samples(samples, None, labels, folder=folder, first_index=start)
            if shown is None:
                shown, shown_labels = samples, labels
        if entry is not None:
            entry.close()
            if all_labels is not None:
                archive.writestr("labels.npy", _npy(all_labels.numpy().astype(np.int64)))
    if grid:
        rows = max(1, len(shown) // sampler.num_classes) if shown_labels is not None and class_index is None \
            else None
        write_samples(shown, None, shown_labels, grid, rows, reference=reference)


def _npy(array: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()
