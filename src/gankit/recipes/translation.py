"""What the image-to-image recipes share: a translator G: A -> B built from `[nets.G]`, the
input | output | target strip of fixed held-out pairs, the translator they export, and
the history pool of generated images (Shrivastava et al. 2017) CycleGAN's D learns from."""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from gankit.data.batch import Batch
from gankit.data.source import Source
from gankit.nets import build_net
from gankit.recipes.base import Recipe, Visuals

STRIP = 8  # held-out examples in each progress strip


def translate(net: nn.Module, x: torch.Tensor, test_mode: str = "eval") -> torch.Tensor:
    """net(x) without gradients, in eval mode or (test_mode "train") with dropout and batch
    statistics on; the net's mode is restored."""
    was_training = net.training
    net.train(test_mode == "train")
    try:
        with torch.no_grad():
            return net(x.to(next(net.parameters()).device)).float().cpu()
    finally:
        net.train(was_training)


def translate_styled(net: nn.Module, x: torch.Tensor, style: torch.Tensor,
                     test_mode: str = "eval") -> torch.Tensor:
    """net(x, style) without gradients, as `translate` does for nets of one style."""
    was_training = net.training
    net.train(test_mode == "train")
    try:
        with torch.no_grad():
            device = next(net.parameters()).device
            return net(x.to(device), style.to(device)).float().cpu()
    finally:
        net.train(was_training)


def translator_model(net: str, source: tuple[int, ...], target: tuple[int, ...],
                     test_mode: str = "eval", **extra: Any) -> dict[str, Any]:
    """An export entry for a translator net: what loading it needs."""
    return {"kind": "translator", "net": net, "source_shape": list(source),
            "target_shape": list(target), "test_mode": test_mode, **extra}


def glyph_input(cfg, side: str = "A") -> dict[str, Any]:
    """For glyph data: how to render an input of `side` from typed characters (its font, size
    and margin), so an export can translate text; {} for other data."""
    data = cfg.data
    if data.dataset != "glyphs" or data.root:
        return {}
    font = data.glyphs.source if side == "A" else (data.glyphs.targets or [""])[0]
    return {"glyph_input": {"font": font, "size": data.image_size,
                            "margin": data.glyphs.margin or data.image_size // 16}} if font else {}


class TranslationRecipe(Recipe):
    """A recipe whose G translates field A into field B of paired batches."""

    data_kinds: ClassVar[tuple[str, ...]] = ("paired",)
    batch_fields: ClassVar[tuple[str, ...]] = ("A", "B")
    ema: ClassVar[tuple[str, ...]] = ("G",)

    @property
    def test_mode(self) -> str:
        return getattr(self.opts, "test_mode", "eval")

    def make_translator(self, source: str = "A", target: str = "B", role: str = "G") -> nn.Module:
        shapes = self.spec.shapes
        return build_net("translator", self.cfg.nets[role], shapes[target], f"nets.{role}",
                         in_channels=shapes[source][0])

    def fixed_inputs(self, n: int, seed: int, data: Source) -> Batch:
        first = data.first(min(n, STRIP))
        return {k: v.cpu() for k, v in first.items() if k in ("A", "B")}

    def visuals(self, fixed: Batch, nets: dict[str, nn.Module]) -> Visuals:
        output = translate(nets["G"], fixed["A"], self.test_mode)
        return Visuals({"input": fixed["A"], "output": output, "target": fixed["B"]})

    def models(self) -> dict[str, dict[str, Any]]:
        return {"translator": translator_model("G", self.spec.shapes["A"], self.spec.shapes["B"],
                                               self.test_mode, **glyph_input(self.cfg))}


class ImagePool:
    """A history of `size` generated images. Each query image is either returned as is (and
    stored while the pool fills), or, with probability ½ once full, swapped for a stored one
    that it replaces. The pool's images and RNG are state, so resume is exact."""

    def __init__(self, size: int, seed: int) -> None:
        self.size = size
        self.images: list[torch.Tensor] = []
        self.rng = torch.Generator().manual_seed(seed)

    def query(self, images: torch.Tensor) -> torch.Tensor:
        if self.size == 0:
            return images
        out = []
        for image in images.detach():
            if len(self.images) < self.size:
                self.images.append(image.clone())
                out.append(image)
            elif float(torch.rand(1, generator=self.rng)) < 0.5:
                i = int(torch.randint(self.size, (1,), generator=self.rng))
                out.append(self.images[i].clone())
                self.images[i] = image.clone()
            else:
                out.append(image)
        return torch.stack(out)

    def state_dict(self) -> dict[str, Any]:
        stored = torch.stack([i.cpu() for i in self.images]) if self.images else torch.empty(0)
        return {"images": stored, "rng": self.rng.get_state()}

    def load_state_dict(self, state: dict[str, Any], device: torch.device | str = "cpu") -> None:
        self.images = [i.to(device) for i in state["images"]] if len(state["images"]) else []
        self.rng.set_state(state["rng"])
