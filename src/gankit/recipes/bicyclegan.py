"""BicycleGAN (Zhu et al. 2017): multimodal translation. A latent code z carries what A does not
determine (here: the target font), so one input gives many plausible outputs. Each batch is
split in two: the cVAE-GAN half encodes z from the true B (E, with a KL term), reconstructs B
(λ_L1) and fools D; the cLR-GAN half draws z ~ N(0, I), fools D2, and must give z back
through E (λ_z, updating G only, as in the reference: E is frozen for that term)."""

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
from gankit.nets.bicycle import LatentUNet, ResNetEncoder
from gankit.objectives import adversarial_loss
from gankit.recipes.base import Role, Visuals
from gankit.recipes.registry import register_recipe
from gankit.recipes.translation import TranslationRecipe, glyph_input, translator_model

CODES_SHOWN = 3  # random codes per input in the progress strip


@dataclass
class BicycleGANOptions:
    latent_dim: PositiveInt = opt(8, "size nz of the latent code")
    loss: Literal["least_squares", "nonsaturating", "hinge"] = opt("least_squares", "adversarial loss")
    l1: NonNegativeFloat = opt(10.0, "weight λ_L1 of |G(A, E(B)) - B| (cVAE-GAN half)")
    kl: NonNegativeFloat = opt(0.01, "weight λ_KL of KL(E(B) || N(0, I))")
    z: NonNegativeFloat = opt(0.5, "weight λ_z of |E(G(A, z)) - z| (cLR-GAN half; updates G only)")
    encoder_width: PositiveInt = opt(64, "channels of E's first layer")
    encoder_blocks: PositiveInt = opt(4, "residual blocks of E")
    test_mode: Literal["eval", "train"] = opt("eval", "G at test time")


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)), summed over the code, averaged over the batch."""
    return (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)).mean()


@register_recipe
class BicycleGANRecipe(TranslationRecipe):
    name = "bicyclegan"
    Options = BicycleGANOptions
    roles = {"G": Role("translator", "unet", "B"), "D": Role("discriminator", "patchgan", "B"),
             "D2": Role("discriminator", "patchgan", "B")}
    groups = {"G": ("G",), "E": ("E",), "D": ("D", "D2")}
    ema = ()

    @classmethod
    def check(cls, cfg, spec) -> None:
        super().check(cfg, spec)
        if cfg.nets["G"].arch != "unet":
            raise GankitError("recipe bicyclegan's G is a U-Net with z at its input: nets.G.arch = \"unet\"")
        per_rank = cfg.train.batch_size
        if per_rank % 2:
            raise GankitError(f"bicyclegan splits each batch in two halves: train.batch_size = {per_rank} "
                              "must be even")

    def __init__(self, cfg, spec, ctx=None) -> None:
        super().__init__(cfg, spec, ctx)
        self.loss = adversarial_loss(self.opts.loss)

    def build_nets(self) -> dict[str, torch.nn.Module]:
        a, b, o, u = self.spec.shapes["A"], self.spec.shapes["B"], self.opts, self.cfg.nets["G"]
        return {"G": LatentUNet(a[0], b[0], b[-1], o.latent_dim, u.width, u.norm, u.dropout, u.dropout_layers,
                                u.depth),
                "E": ResNetEncoder(b[0], o.latent_dim, o.encoder_width, o.encoder_blocks),
                "D": build_net("discriminator", self.cfg.nets["D"], b, "nets.D"),
                "D2": build_net("discriminator", self.cfg.nets["D2"], b, "nets.D2")}

    def train_step(self, batches: Sequence[Batch]) -> dict[str, torch.Tensor]:
        o = self.opts
        a, b = batches[0]["A"], batches[0]["B"]
        half = len(a) // 2
        a_enc, b_enc, a_rand, b_rand = a[:half], b[:half], a[half:], b[half:]
        mu, logvar = self.nets["E"](b_enc)
        z_enc = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        z_rand = torch.randn(len(a_rand), o.latent_dim, device=a.device)
        fake_enc, fake_rand = self.nets["G"](a_enc, z_enc), self.nets["G"](a_rand, z_rand)
        loss_d = (self.loss.discriminator(self.nets["D"](b_enc), self.nets["D"](fake_enc.detach()))
                  + self.loss.discriminator(self.nets["D2"](b_rand), self.nets["D2"](fake_rand.detach())))
        self.update("D", loss_d)
        with self.frozen("D", "D2"):
            gan = (self.loss.generator(self.nets["D"](fake_enc))
                   + self.loss.generator(self.nets["D2"](fake_rand)))
            l1 = F.l1_loss(fake_enc.float(), b_enc.float())
            kl = kl_divergence(mu.float(), logvar.float())
            with self.frozen("E"):  # the z term trains G alone
                z_back, _ = self.nets["E"](fake_rand)
            z_l1 = F.l1_loss(z_back.float(), z_rand)
            loss_g = gan + o.l1 * l1 + o.kl * kl + o.z * z_l1
            self.update(("G", "E"), loss_g)
        return {"loss_d": loss_d.detach(), "loss_g": loss_g.detach(), "loss_g_gan": gan.detach(),
                "loss_l1": l1.detach(), "loss_kl": kl.detach(), "loss_z": z_l1.detach()}

    def visuals(self, fixed: Batch, nets: dict[str, torch.nn.Module]) -> Visuals:
        """Rows: A, G(A, E(B)), G(A, z) for CODES_SHOWN fixed codes, B."""
        a, b = fixed["A"], fixed["B"]
        g, e = nets["G"], nets["E"]
        was = g.training, e.training
        g.eval(), e.eval()
        try:
            with torch.no_grad():
                device = next(g.parameters()).device
                a_d = a.to(device)
                rows = {"A": a, "G(A, E(B))": g(a_d, e(b.to(device))[0]).float().cpu()}
                seeded = torch.Generator().manual_seed(0)
                codes = torch.randn(CODES_SHOWN, self.opts.latent_dim, generator=seeded)
                for i, z in enumerate(codes):
                    rows[f"G(A, z{i + 1})"] = g(a_d, z.expand(len(a), -1).to(device)).float().cpu()
        finally:
            g.train(was[0]), e.train(was[1])
        return Visuals({**rows, "B": b})

    def models(self) -> dict[str, dict[str, Any]]:
        a, b = self.spec.shapes["A"], self.spec.shapes["B"]
        return {"translator": translator_model("G", a, b, self.test_mode, latent_dim=self.opts.latent_dim,
                                               encoder="encoder", **glyph_input(self.cfg)),
                "encoder": {"kind": "encoder", "net": "E", "latent_dim": self.opts.latent_dim,
                            "input_shape": list(b)}}
