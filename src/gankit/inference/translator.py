"""A trained translator: an image of the source domain in, one of the target domain out
(optionally with a latent code z or a style id), batch by batch or folder to folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from gankit.errors import GankitError

TEST_MODES = ("eval", "train")


@dataclass
class Translator:
    """G: x (source_shape, float in [-1, 1]) -> y (target_shape). `test_mode` "eval" runs G
    deterministically (dropout off, batch-norm running statistics); "train" keeps dropout and
    batch statistics on, as the pix2pix paper does at test time (its noise)."""

    net: nn.Module
    source_shape: tuple[int, ...]
    target_shape: tuple[int, ...]
    latent_dim: int = 0
    num_styles: int | None = None
    test_mode: str = "eval"
    scale: int = 1  # super-resolution: output / input size
    any_size: bool = False  # fully convolutional: inputs of any size (upscaled tile by tile)

    def to(self, device: str | torch.device) -> Translator:
        self.net.to(device)
        return self

    def _check(self, images: torch.Tensor) -> None:
        if self.any_size and images.ndim == 4 and images.shape[1] == self.source_shape[0]:
            return
        if images.ndim != 4 or tuple(images.shape[1:]) != tuple(self.source_shape):
            shape = "x".join(str(s) for s in self.source_shape)
            raise GankitError(f"this translator takes images of {shape} (channels x height x width), "
                              f"got {'x'.join(str(s) for s in images.shape[1:])}")

    @torch.no_grad()
    def translate(self, images: torch.Tensor, z: torch.Tensor | None = None,
                  style: torch.Tensor | None = None, batch_size: int = 64,
                  seed: int | None = None) -> torch.Tensor:
        """G(images) on the CPU, in batches (`seed`: for test_mode "train", fixes dropout)."""
        self._check(images)
        if seed is not None:
            torch.manual_seed(seed)
        device = next(self.net.parameters(), torch.zeros(())).device
        was_training = self.net.training
        self.net.train(self.test_mode == "train")
        try:
            parts = []
            for i in range(0, len(images), batch_size):
                args = [images[i:i + batch_size].to(device)]
                if self.latent_dim:
                    args.append((z if z is not None else torch.zeros(len(images), self.latent_dim))
                                [i:i + batch_size].to(device))
                if self.num_styles is not None:
                    if style is None:
                        raise GankitError("this translator writes several styles: give a style id")
                    args.append(style[i:i + batch_size].to(device))
                parts.append(self.net(*args).float().cpu())
        finally:
            self.net.train(was_training)
        from gankit.inference.sampler import finite

        out = finite(torch.cat(parts))
        return out.clamp(-1, 1) if self.any_size else out  # SRResNet has no final tanh

    def translate_folder(self, src: str | Path, dst: str | Path, batch_size: int = 16,
                         seed: int | None = None, progress: bool | None = None,
                         style: int | None = None) -> list[Path]:
        """Every image under `src` (or the image `src`) translated into `dst`, keeping relative
        names (as PNG), a batch at a time with a progress bar."""
        import sys

        from tqdm import tqdm

        from gankit.inference.images_io import image_files, read_images, write_images

        files, base = image_files(src, self.source_shape)
        show = sys.stderr.isatty() if progress is None else progress
        if self.any_size:
            return self._upscale_files(files, base, dst, show)
        written = []
        with tqdm(total=len(files), unit="img", disable=not show, leave=False) as bar:
            for i in range(0, len(files), batch_size):
                chunk = files[i:i + batch_size]
                names = [str(f.relative_to(base).with_suffix("")) for f in chunk]
                styles = None if style is None else torch.full((len(chunk),), style)
                out = self.translate(read_images(chunk, self.source_shape), batch_size=batch_size,
                                     seed=None if seed is None else seed + i, style=styles)
                written += write_images(out, names, dst)
                bar.update(len(chunk))
        return written

    def _upscale_files(self, files: list[Path], base: Path, dst: str | Path, show: bool) -> list[Path]:
        """Super-resolution: each image at its own size, tile by tile, written scale× larger."""
        from tqdm import tqdm

        from gankit.data.folder import load_image_native
        from gankit.inference.images_io import write_images
        from gankit.inference.sampler import finite
        from gankit.inference.upscale import upscale

        was_training = self.net.training
        self.net.train(self.test_mode == "train")
        written = []
        try:
            for path in tqdm(files, unit="img", disable=not show, leave=False):
                image = load_image_native(path, self.source_shape[0])
                out = finite(upscale(self.net, image, self.scale)[None])
                written += write_images(out, [str(path.relative_to(base).with_suffix(""))], dst)
        finally:
            self.net.train(was_training)
        return written
