"""Training latents drawn for the whole batch of every rank, each rank taking its slice."""

from __future__ import annotations

import torch

from gankit.runtime.distributed import World


class LatentStream:
    """z ~ N(0, I) from a generator of its own, seeded from the run seed and advanced alike
    on every rank: each draw makes the latents of all ranks and this rank keeps its rows.
    So the noise of a run depends on its total batch, not on how many processes share it
    (what lets a 2-process run reproduce a 1-process run of the same total batch)."""

    def __init__(self, seed: int, dim: int, world: World, device: torch.device) -> None:
        self.dim, self.world, self.device = dim, world, device
        self.generator = torch.Generator(device=device).manual_seed(seed * 7919 + 17)

    def draw(self, n: int) -> torch.Tensor:
        """This rank's `n` latents of a draw of n × ranks."""
        z = torch.randn(n * self.world.size, self.dim, generator=self.generator, device=self.device)
        return z[self.world.rank * n : (self.world.rank + 1) * n]

    def state(self) -> torch.Tensor:
        return self.generator.get_state()

    def load_state(self, state: torch.Tensor) -> None:
        self.generator.set_state(state.cpu())
