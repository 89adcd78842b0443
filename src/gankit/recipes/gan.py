"""The standard GAN update: `n_critic` D steps, then one G step, for any adversarial loss
and any of the regularisers in `objectives` (all switched on from the config)."""

from __future__ import annotations

import torch

from gankit.config import RunConfig
from gankit.errors import GankitError
from gankit.nets import build_discriminator
from gankit.nets.layers import pack
from gankit.objectives import (
    HistoricalAverage,
    adversarial_loss,
    clip_weights,
    feature_matching_loss,
    gradient_penalty,
    r1_penalty,
)
from gankit.recipes.base import Recipe, make_optimizer


class GANRecipe(Recipe):
    """Goodfellow et al. 2014 and its descendants: D learns real vs fake (or a critic learns
    a distance), G learns to move its samples towards the data."""

    def __init__(self, cfg: RunConfig, data_shape: tuple[int, ...]) -> None:
        super().__init__(cfg, data_shape)
        if cfg.model.arch == "dcgan" and len(data_shape) != 3:
            raise GankitError(
                f"model.arch: dcgan needs image data, but {cfg.data.dataset} gives points; "
                "use model.arch = \"mlp\""
            )
        self.obj = cfg.objective
        self.loss = adversarial_loss(self.obj.loss, 1.0 - self.obj.label_smoothing)
        self.batches_per_step = cfg.train.n_critic
        self.pack = cfg.model.pack
        self.nets = {
            "generator": self.make_generator(cfg.model, data_shape),
            "discriminator": build_discriminator(cfg.model, data_shape),
        }
        self.optimizers = {
            "generator": make_optimizer(self.generator.parameters(), cfg.optim, cfg.optim.lr_g),
            "discriminator": make_optimizer(
                self.nets["discriminator"].parameters(), cfg.optim, cfg.optim.lr_d
            ),
        }
        self.history = {}
        if self.obj.historical_averaging > 0:
            self.history = {name: HistoricalAverage(net.parameters())
                            for name, net in self.nets.items()}

    def critic(self, x: torch.Tensor) -> torch.Tensor:
        """D's logits for x, packed `pack` samples at a time."""
        return self.nets["discriminator"](pack(x, self.pack))

    def _step(self, name: str, loss: torch.Tensor) -> None:
        if name in self.history:
            loss = loss + self.obj.historical_averaging * self.history[name].penalty()
        opt = self.optimizers[name]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if name in self.history:
            self.history[name].update()

    def train_step(self, batches: list[torch.Tensor]) -> dict[str, torch.Tensor]:
        gen, disc = self.generator, self.nets["discriminator"]
        out: dict[str, torch.Tensor] = {}
        for real in batches:
            fake = gen(self.sample_latent(real.shape[0], real.device))
            real_logits, fake_logits = self.critic(real), self.critic(fake.detach())
            loss_d = self.loss.discriminator(real_logits, fake_logits)
            if self.obj.gradient_penalty > 0:
                out["gp"] = gradient_penalty(self.critic, real, fake)
                loss_d = loss_d + self.obj.gradient_penalty * out["gp"]
            if self.obj.r1 > 0:
                out["r1"] = r1_penalty(self.critic, real)
                loss_d = loss_d + self.obj.r1 * out["r1"]
            self._step("discriminator", loss_d)
            if self.obj.weight_clip > 0:
                clip_weights(disc, self.obj.weight_clip)
        # G's step reuses the last fake batch: G has not changed since it was drawn.
        if self.obj.feature_matching:
            loss_g = feature_matching_loss(disc.features(pack(real, self.pack)),
                                           disc.features(pack(fake, self.pack)))
        else:
            loss_g = self.loss.generator(self.critic(fake))
        self._step("generator", loss_g)
        out.update(loss_d=loss_d, loss_g=loss_g, d_real=real_logits.mean(),
                   d_fake=fake_logits.mean())
        return {k: v.detach() for k, v in out.items()}

    def extra_state(self) -> dict:
        return {name: h.state_dict() for name, h in self.history.items()}

    def load_extra_state(self, state: dict) -> None:
        for name, h in self.history.items():
            h.load_state_dict(state[name])
