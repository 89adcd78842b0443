"""Seeded paired transforms: the same random resize-crop ("jitter") and flip on every field
of an example (A and B of a pair), drawn from a generator of (seed, draw, index) alone, so
a resumed run and a run under torchrun see exactly the transforms of an uninterrupted one."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

_MASK = (1 << 64) - 1


def _splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def example_generator(seed: int, draw: int, index: int) -> torch.Generator:
    """A torch.Generator that depends on (seed, draw, index) alone (and well on each)."""
    mixed = _splitmix64(_splitmix64(_splitmix64(seed) ^ draw) ^ index)
    return torch.Generator().manual_seed(mixed & ((1 << 63) - 1))


def resize(image: torch.Tensor, size: int) -> torch.Tensor:
    """A float CHW (or NCHW) image in [-1, 1] resized to size×size (antialiased bilinear)."""
    if image.shape[-1] == size and image.shape[-2] == size:
        return image
    batch = image if image.ndim == 4 else image[None]
    out = F.interpolate(batch, size=(size, size), mode="bilinear", antialias=True,
                        align_corners=False).clamp_(-1.0, 1.0)
    return out if image.ndim == 4 else out[0]


@dataclass(frozen=True)
class PairedTransform:
    """Resize every field to `load_size`, crop a random `size`×`size` window (the same for
    every field), and flip it horizontally with probability ½ when `flip` (pix2pix's
    jitter: load 286, crop 256). With load_size == size and no flip it is the identity."""

    size: int
    load_size: int = 0  # 0: the same as size (no crop)
    flip: bool = False

    @property
    def random(self) -> bool:
        return self.flip or self.load_size > self.size

    def params(self, rng: torch.Generator) -> tuple[int, int, bool]:
        """(top, left, flip) for one example."""
        room = max(self.load_size, self.size) - self.size
        top = int(torch.randint(room + 1, (1,), generator=rng)) if room else 0
        left = int(torch.randint(room + 1, (1,), generator=rng)) if room else 0
        flipped = bool(torch.rand(1, generator=rng) < 0.5) if self.flip else False
        return top, left, flipped

    def __call__(self, fields: dict[str, torch.Tensor], rng: torch.Generator | None
                 ) -> dict[str, torch.Tensor]:
        """`fields` (name -> CHW image) with one draw of the transform applied to each;
        `rng` None: no randomness (resize to `size` only, as for test images)."""
        if rng is None or not self.random:
            return {k: resize(v, self.size) for k, v in fields.items()}
        top, left, flipped = self.params(rng)
        load = max(self.load_size, self.size)
        out = {}
        for key, image in fields.items():
            image = resize(image, load)[..., top:top + self.size, left:left + self.size]
            out[key] = image.flip(-1) if flipped else image
        return out
