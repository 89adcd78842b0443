"""zi2zi (Tian 2017): one-to-many font transfer. G, a U-Net with a learned style embedding at
its bottleneck, writes the source glyph A in target font `style`; D judges (A, B) pairs patch
by patch and names the font of what it sees. G minimises the adversarial loss, λ_L1 |G - B|,
the constant loss (the bottleneck code of G's output matches that of its input), the
category loss (D reads G's output as the intended font) and optionally total variation.
Unlike the original: the embedding is trained, inference is deterministic unless asked, and
G's extra steps per D step are an explicit option (`g_steps`; the original takes 2). Few-shot
fine-tuning (`init_from`, `freeze_encoder`) starts a new font from a trained model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F

from gankit.data.batch import Batch
from gankit.errors import GankitError
from gankit.fields import NonNegativeFloat, PositiveInt, opt
from gankit.nets import build_net
from gankit.nets.code_head import CodeHeadDiscriminator
from gankit.nets.zi2zi import StyleUNet
from gankit.objectives import adversarial_loss
from gankit.recipes.base import Role, Visuals
from gankit.recipes.init_from import load_weights, trained_net
from gankit.recipes.registry import register_recipe
from gankit.recipes.translation import TranslationRecipe, glyph_input, translate_styled, translator_model


def total_variation(x: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference of neighbouring pixels, down and across."""
    return (x[..., 1:, :] - x[..., :-1, :]).abs().mean() + (x[..., 1:] - x[..., :-1]).abs().mean()


@dataclass
class Zi2ZiOptions:
    loss: Literal["nonsaturating", "least_squares", "hinge"] = opt("nonsaturating", "adversarial loss")
    l1: NonNegativeFloat = opt(100.0, "weight of |G(A, style) - B|")
    constant: NonNegativeFloat = opt(15.0, "weight of the constant loss: |code(G(A)) - code(A)|^2")
    category: NonNegativeFloat = opt(1.0, "weight of the font-classification losses of D and G")
    tv: NonNegativeFloat = opt(0.0, "weight of the total variation of G's output (0: off)")
    embed_dim: PositiveInt = opt(128, "size of the learned style embedding")
    g_steps: PositiveInt = opt(1, "G updates per D update (the original zi2zi: 2)")
    test_mode: Literal["eval", "train"] = opt("eval", "G at test time: eval (deterministic) or train")
    init_from: str = opt("", "few-shot fine-tuning: a zi2zi run or export whose G starts this one (its "
                         "fonts' mean embedding starts each new font)")
    freeze_encoder: bool = opt(False, "with init_from: keep the U-Net's encoder weights fixed (the "
                               "original's fine-tuning)")


def start_from(g: StyleUNet, path: str) -> None:
    """Copy a trained zi2zi G into `g`; every style of `g` starts at the mean of its embeddings."""
    source = trained_net(path)
    if not isinstance(source, StyleUNet):
        raise GankitError(f"zi2zi.init_from: {path} is not a zi2zi model")
    state = source.state_dict()
    state["embedding.weight"] = state["embedding.weight"].mean(0, keepdim=True).expand_as(g.embedding.weight)
    load_weights(g, state, "zi2zi.init_from", path)


@register_recipe
class Zi2ZiRecipe(TranslationRecipe):
    name = "zi2zi"
    Options = Zi2ZiOptions
    roles = {"G": Role("translator", "unet", "B"), "D": Role("discriminator", "patchgan", "B")}
    groups = {"G": ("G",), "D": ("D",)}
    batch_fields = ("A", "B", "style")
    data_kinds = ("paired",)

    @classmethod
    def check(cls, cfg, spec) -> None:
        super().check(cfg, spec)
        if not spec.num_styles:
            raise GankitError("recipe zi2zi writes several fonts: its data needs style ids (data.dataset "
                              "= \"glyphs\" with data.glyphs.targets)")
        if cfg.nets["G"].arch != "unet":
            raise GankitError("recipe zi2zi's G is a U-Net with a style embedding: nets.G.arch = \"unet\"")
        if cfg.options.freeze_encoder and not cfg.options.init_from:
            raise GankitError("zi2zi.freeze_encoder needs zi2zi.init_from (a trained zi2zi run to fine-tune)")

    def __init__(self, cfg, spec, ctx=None) -> None:
        super().__init__(cfg, spec, ctx)
        self.loss = adversarial_loss(self.opts.loss)

    def build_nets(self) -> dict[str, torch.nn.Module]:
        a, b = self.spec.shapes["A"], self.spec.shapes["B"]
        u = self.cfg.nets["G"]
        g = StyleUNet(a[0], b[0], b[-1], self.spec.num_styles, self.opts.embed_dim, u.width, u.norm,
                      u.dropout, u.dropout_layers, u.depth)
        if self.opts.init_from:
            start_from(g, self.opts.init_from)
            if self.opts.freeze_encoder:
                g.unet.downs.requires_grad_(False)
        judged = (a[0] + b[0], *b[1:])
        d = build_net("discriminator", self.cfg.nets["D"], judged, "nets.D")
        return {"G": g, "D": CodeHeadDiscriminator(d, judged, self.spec.num_styles)}

    def judge(self, a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.nets["D"](torch.cat([a, b], dim=1))

    def train_step(self, batches: Sequence[Batch]) -> dict[str, torch.Tensor]:
        o = self.opts
        a, b, style = batches[0]["A"], batches[0]["B"], batches[0]["style"]
        fake = self.nets["G"](a, style)
        real_logits, real_font = self.judge(a, b)
        fake_logits, fake_font = self.judge(a, fake.detach())
        font_d = F.cross_entropy(real_font.float(), style) + F.cross_entropy(fake_font.float(), style)
        loss_d = self.loss.discriminator(real_logits, fake_logits) + o.category * font_d / 2
        self.update("D", loss_d)
        for _ in range(o.g_steps):
            with self.frozen("D"):
                fake, code_in, code_out = self.nets["G"](a, style, codes=True)
                logits, font = self.judge(a, fake)
                loss_gan = self.loss.generator(logits)
                loss_l1 = F.l1_loss(fake.float(), b.float())
                loss_const = F.mse_loss(code_out.float(), code_in.float())
                loss_font = F.cross_entropy(font.float(), style)
                loss_g = loss_gan + o.l1 * loss_l1 + o.constant * loss_const + o.category * loss_font
                if o.tv > 0:
                    loss_g = loss_g + o.tv * total_variation(fake.float())
                self.update("G", loss_g)
        return {"loss_d": loss_d.detach(), "loss_g": loss_g.detach(), "loss_g_gan": loss_gan.detach(),
                "loss_l1": loss_l1.detach(), "loss_const": loss_const.detach(),
                "loss_font_d": font_d.detach(), "loss_font_g": loss_font.detach(),
                "font_acc": (font.argmax(1) == style).float().mean().detach()}

    def fixed_inputs(self, n: int, seed: int, data) -> Batch:
        first = data.first(min(n, 8))
        return {k: v.cpu() for k, v in first.items() if k in ("A", "B", "style")}

    def visuals(self, fixed: Batch, nets: dict[str, torch.nn.Module]) -> Visuals:
        output = translate_styled(nets["G"], fixed["A"], fixed["style"], self.test_mode)
        return Visuals({"input": fixed["A"], "output": output, "target": fixed["B"]})

    def models(self) -> dict[str, dict[str, Any]]:
        shapes = self.spec.shapes
        return {"translator": translator_model("G", shapes["A"], shapes["B"], self.test_mode,
                                               num_styles=self.spec.num_styles, styles=self.style_names(),
                                               **glyph_input(self.cfg))}

    def style_names(self) -> list[str]:
        targets, n = list(self.cfg.data.glyphs.targets), self.spec.num_styles
        return targets if len(targets) == n else [str(i) for i in range(n)]
