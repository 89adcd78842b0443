"""CycleGAN (Zhu et al. 2017): unpaired translation. G: A -> B and F: B -> A, judged by D_B and
D_A; G and F minimise the adversarial losses plus λ_cycle (|F(G(a)) - a| + |G(F(b)) - b|) plus
λ_identity · λ_cycle (|G(b) - b| + |F(a) - a|), in one optimizer group; each D then learns
from a history pool of 50 generated images, its loss halved, as in the reference code. The
loss "wgan_gp" trains the Ds as critics with a gradient penalty that is really applied."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F

from gankit.data.batch import Batch
from gankit.errors import GankitError
from gankit.fields import NonNegativeFloat, NonNegativeInt, opt
from gankit.nets import build_net
from gankit.objectives import adversarial_loss
from gankit.objectives.penalties import gradient_penalty
from gankit.recipes.base import Role, Visuals
from gankit.recipes.registry import register_recipe
from gankit.recipes.translation import (
    ImagePool,
    TranslationRecipe,
    glyph_input,
    translate,
    translator_model,
)

POOL_SEED = 50_000  # the pools' RNG streams: run seed + this + rank (+1 for the second)


@dataclass
class CycleGANOptions:
    loss: Literal["least_squares", "nonsaturating", "hinge", "wgan_gp"] = opt(
        "least_squares", "adversarial loss: least_squares (the paper) | nonsaturating | hinge | "
        "wgan_gp (Wasserstein critics with a gradient penalty)")
    cycle: NonNegativeFloat = opt(10.0, "weight λ_cycle of the cycle-consistency L1 terms")
    identity: NonNegativeFloat = opt(0.5, "identity L1 weight, a multiple of λ_cycle (0: none; needs "
                                     "A and B of one shape)")
    pool: NonNegativeInt = opt(50, "generated images each D's history pool holds (0: none)")
    gp_weight: NonNegativeFloat = opt(10.0, "loss wgan_gp: weight of the gradient penalty")


@register_recipe
class CycleGANRecipe(TranslationRecipe):
    name = "cyclegan"
    Options = CycleGANOptions
    roles = {"G": Role("translator", "resnet", "B"), "F": Role("translator", "resnet", "A"),
             "D_A": Role("discriminator", "patchgan", "A"), "D_B": Role("discriminator", "patchgan", "B")}
    groups = {"G": ("G", "F"), "D": ("D_A", "D_B")}
    ema = ("G", "F")
    data_kinds = ("unpaired", "paired")

    @classmethod
    def check(cls, cfg, spec) -> None:
        super().check(cfg, spec)
        o = cfg.options
        if o.identity > 0 and spec.shapes["A"] != spec.shapes["B"]:
            raise GankitError(f"cyclegan.identity: the identity terms need A and B of one shape, got "
                              f"{spec.shapes['A']} and {spec.shapes['B']} (set cyclegan.identity = 0)")
        if o.loss == "wgan_gp":
            for role in ("D_A", "D_B"):
                if getattr(cfg.nets[role], "norm", None) == "batch":
                    raise GankitError(f"nets.{role}.norm: a WGAN-GP critic must not use batch norm (the "
                                      "penalty is per example); use instance or none")

    @classmethod
    def double_backward(cls, cfg) -> bool:
        return cfg.options.loss == "wgan_gp"

    def __init__(self, cfg, spec, ctx=None) -> None:
        super().__init__(cfg, spec, ctx)
        self.loss = adversarial_loss("wasserstein" if self.opts.loss == "wgan_gp" else self.opts.loss)
        seed = self.ctx.seed + POOL_SEED + 2 * self.ctx.world.rank
        self.pools = {"A": ImagePool(self.opts.pool, seed), "B": ImagePool(self.opts.pool, seed + 1)}

    def build_nets(self) -> dict[str, torch.nn.Module]:
        shapes = self.spec.shapes
        return {"G": self.make_translator("A", "B", "G"), "F": self.make_translator("B", "A", "F"),
                "D_A": build_net("discriminator", self.cfg.nets["D_A"], shapes["A"], "nets.D_A"),
                "D_B": build_net("discriminator", self.cfg.nets["D_B"], shapes["B"], "nets.D_B")}

    def critic_loss(self, name: str, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """Half of D `name`'s loss on real vs. pooled fake images (plus the penalty)."""
        net = self.nets[name]
        loss = 0.5 * self.loss.discriminator(net(real), net(fake))
        if self.opts.loss == "wgan_gp":
            penalty = gradient_penalty(net, real, fake, grad_scale=self.ctx.precision.grad_scale)
            loss = loss + self.opts.gp_weight * penalty
        return loss

    def train_step(self, batches: Sequence[Batch]) -> dict[str, torch.Tensor]:
        a, b = batches[0]["A"], batches[0]["B"]
        G, Fn = self.nets["G"], self.nets["F"]
        with self.frozen("D_A", "D_B"):
            fake_b, fake_a = G(a), Fn(b)
            loss_gan = (self.loss.generator(self.nets["D_B"](fake_b))
                        + self.loss.generator(self.nets["D_A"](fake_a)))
            loss_cycle = F.l1_loss(Fn(fake_b).float(), a.float()) + F.l1_loss(G(fake_a).float(), b.float())
            loss_g = loss_gan + self.opts.cycle * loss_cycle
            logged = {"loss_g_gan": loss_gan.detach(), "loss_cycle": loss_cycle.detach()}
            if self.opts.identity > 0:
                loss_idt = F.l1_loss(G(b).float(), b.float()) + F.l1_loss(Fn(a).float(), a.float())
                loss_g = loss_g + self.opts.cycle * self.opts.identity * loss_idt
                logged["loss_identity"] = loss_idt.detach()
            self.update("G", loss_g)
        loss_da = self.critic_loss("D_A", a, self.pools["A"].query(fake_a.detach()))
        loss_db = self.critic_loss("D_B", b, self.pools["B"].query(fake_b.detach()))
        self.update("D", loss_da + loss_db)
        return {"loss_d": (loss_da + loss_db).detach(), "loss_g": loss_g.detach(), **logged}

    # -- pictures, exports and state ------------------------------------------------------------
    def visuals(self, fixed: Batch, nets: dict[str, torch.nn.Module]) -> Visuals:
        """Rows a | G(a) | F(G(a)) and b | F(b) | G(F(b)) of fixed held-out images."""
        a, b = fixed["A"], fixed["B"]
        fake_b, fake_a = translate(nets["G"], a), translate(nets["F"], b)
        return Visuals({"A": a, "G(A)": fake_b, "F(G(A))": translate(nets["F"], fake_b),
                        "B": b, "F(B)": fake_a, "G(F(B))": translate(nets["G"], fake_a)})

    def models(self) -> dict[str, dict[str, Any]]:
        a, b = self.spec.shapes["A"], self.spec.shapes["B"]
        return {"AB": translator_model("G", a, b, input="A", output="B", reverse="BA",
                                       **glyph_input(self.cfg, "A")),
                "BA": translator_model("F", b, a, input="B", output="A", reverse="AB",
                                       **glyph_input(self.cfg, "B"))}

    def state_dict(self) -> dict[str, Any]:
        return {"pools": {name: pool.state_dict() for name, pool in self.pools.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name, pool in self.pools.items():
            pool.load_state_dict(state["pools"][name], self.ctx.device)
