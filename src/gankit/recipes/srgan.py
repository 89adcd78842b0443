"""SRGAN (Ledig et al. 2017): SRResNet's G, started from an SRResNet run, trained with a
content loss plus 1e-3 × the adversarial loss against the SRGAN discriminator. The paper's
content loss compares VGG19 relu5_4 features (scaled by 1/12.75); VGG19's weights cannot be
downloaded here, so `content = "auto"` uses them when a local file is found and otherwise
D's own features (feature matching); the export and the log say which one ran."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F

from gankit.data.batch import Batch
from gankit.fields import NonNegativeFloat, opt
from gankit.nets import build_net
from gankit.objectives import adversarial_loss
from gankit.recipes.base import Role
from gankit.recipes.init_from import load_weights, trained_net
from gankit.recipes.registry import register_recipe
from gankit.recipes.superres import SuperResRecipe
from gankit.runtime.distributed import unwrap

VGG_SCALE = 12.75  # the paper rescales VGG feature maps by 1/12.75


@dataclass
class SRGANOptions:
    content: Literal["auto", "vgg", "d_features", "mse"] = opt(
        "auto", "content loss: vgg (VGG19 relu5_4, the paper's; needs local weights), d_features (D's "
        "features: no download), mse (SRGAN-MSE), auto (vgg if its weights are found, else d_features)")
    vgg_weights: str = opt("", "a vgg19-<sha256 prefix>.pth file (else $GANKIT_VGG19_WEIGHTS, torch hub)")
    adversarial: NonNegativeFloat = opt(1e-3, "weight of the adversarial loss")
    content_weight: NonNegativeFloat = opt(1.0, "weight of the content loss")
    pixel: NonNegativeFloat = opt(0.0, "weight of an extra pixel MSE term (0: none)")
    init_from: str = opt("", "an SRResNet run or export whose G starts this one (the paper's schedule)")
    test_mode: Literal["eval", "train"] = opt("eval", "G at test time")


def _content_kind(o: SRGANOptions) -> str:
    if o.content != "auto":
        return o.content
    from gankit.nets.vgg import candidates

    return "vgg" if any(p.is_file() for p in candidates(o.vgg_weights or None)) else "d_features"


@register_recipe
class SRGANRecipe(SuperResRecipe):
    name = "srgan"
    Options = SRGANOptions
    roles = {"G": Role("translator", "srresnet", "B"), "D": Role("discriminator", "srgan", "B")}
    groups = {"G": ("G",), "D": ("D",)}

    def __init__(self, cfg, spec, ctx=None) -> None:
        self.content = _content_kind(cfg.options)
        self.vgg = None
        if self.content == "vgg":
            from gankit.nets.vgg import load_vgg19

            self.vgg = load_vgg19(cfg.options.vgg_weights or None)
        super().__init__(cfg, spec, ctx)
        self.loss = adversarial_loss("nonsaturating")

    def build_nets(self) -> dict[str, torch.nn.Module]:
        g = self.make_translator()
        if self.opts.init_from:
            source = trained_net(self.opts.init_from)
            load_weights(g, source.state_dict(), "srgan.init_from", self.opts.init_from)
        return {"G": g, "D": build_net("discriminator", self.cfg.nets["D"], self.spec.shapes["B"], "nets.D")}

    def to(self, device, memory_format=None):
        if self.vgg is not None:
            self.vgg.to(device)
        return super().to(device, memory_format)

    def content_loss(self, fake: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        if self.content == "vgg":
            return F.mse_loss(self.vgg(fake).float() / VGG_SCALE, self.vgg(hr).float().detach() / VGG_SCALE)
        if self.content == "d_features":
            features = unwrap(self.nets["D"]).features
            return F.mse_loss(features(fake).float(), features(hr).float().detach())
        return F.mse_loss(fake.float(), hr.float())

    def train_step(self, batches: Sequence[Batch]) -> dict[str, torch.Tensor]:
        o = self.opts
        lr, hr = batches[0]["A"], batches[0]["B"]
        fake = self.nets["G"](lr)
        loss_d = self.loss.discriminator(self.nets["D"](hr), self.nets["D"](fake.detach()))
        self.update("D", loss_d)
        with self.frozen("D"):
            adv = self.loss.generator(self.nets["D"](fake))
            content = self.content_loss(fake, hr)
            loss_g = o.content_weight * content + o.adversarial * adv
            if o.pixel > 0:
                loss_g = loss_g + o.pixel * F.mse_loss(fake.float(), hr.float())
            self.update("G", loss_g)
        return {"loss_d": loss_d.detach(), "loss_g": loss_g.detach(), "loss_g_gan": adv.detach(),
                f"loss_content_{self.content}": content.detach()}

    def model_notes(self) -> dict[str, Any]:
        notes = {"content_loss": self.content}
        if self.vgg is not None:
            notes["vgg19_sha256"] = self.vgg.digest
        return notes
