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
    keep_top_k,
    r1_penalty,
    top_k_fraction,
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
            "discriminator": self.make_discriminator(),
        }
        self.optimizers = {
            "generator": make_optimizer(self.generator.parameters(), cfg.optim, cfg.optim.lr_g),
            "discriminator": make_optimizer(
                self.nets["discriminator"].parameters(), cfg.optim, cfg.optim.lr_d
            ),
        }
        self.last_r1: torch.Tensor | None = None
        self.epoch_steps = 1.0  # steps per epoch of the data, for top-k's schedule
        self.history = {}
        if self.obj.historical_averaging > 0:
            self.history = {name: HistoricalAverage(net.parameters())
                            for name, net in self.nets.items()}

    def attach_source(self, source) -> None:
        self.epoch_steps = max(1.0, len(source) / self.cfg.train.batch_size)

    def make_discriminator(self) -> torch.nn.Module:
        return build_discriminator(self.cfg.model, self.data_shape)

    def critic(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """D's logits for x, packed `pack` samples at a time."""
        return self.nets["discriminator"](pack(x, self.pack))

    def critic_fake(self, x: torch.Tensor,
                    labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """D's logits for G's samples x, and a loss on them that both nets add to their own
        (None here; InfoGAN's code loss)."""
        return self.critic(x, labels), None

    def disc_features(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """D's intermediate features (for feature matching)."""
        return self.nets["discriminator"].features(pack(x, self.pack))

    def instance_noise_std(self) -> float:
        """The instance-noise std of the current step: linear from objective.instance_noise to
        0 at instance_noise_until of the run's steps."""
        end = self.obj.instance_noise_until * self.cfg.train.steps
        return self.obj.instance_noise * max(0.0, 1.0 - self.step / end)

    def _blur(self, x: torch.Tensor, std: float) -> torch.Tensor:
        return x + std * torch.randn_like(x) if std > 0 else x

    def fake_batch(self, n: int, device: torch.device,
                   labels: torch.Tensor | None = None) -> torch.Tensor:
        """G's samples for a batch of `n` (conditional recipes: of the given labels)."""
        return self.generator(self.sample_latent(n, device))

    @staticmethod
    def split(batch) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(images, labels) of a batch; labels None for unlabelled batches."""
        return batch["image"], batch.get("label")

    def _step(self, name: str, loss: torch.Tensor) -> None:
        if name in self.history:
            loss = loss + self.obj.historical_averaging * self.history[name].penalty()
        self.update(name, loss)
        if name in self.history:
            self.history[name].update()

    def train_step(self, batches: list) -> dict[str, torch.Tensor]:
        disc = self.nets["discriminator"]
        out: dict[str, torch.Tensor] = {}
        noise = self.instance_noise_std()
        for index, batch in enumerate(batches):
            real, labels = self.split(batch)
            fake = self.fake_batch(real.shape[0], real.device, labels)

            def critic(x: torch.Tensor, labels=labels) -> torch.Tensor:
                return self.critic(self._blur(x, noise), labels)

            real_logits = critic(real)
            fake_logits, code_loss = self.critic_fake(self._blur(fake.detach(), noise), labels)
            loss_d = self.loss.discriminator(real_logits, fake_logits)
            if code_loss is not None:
                loss_d = loss_d + code_loss
            scale = self.precision.grad_scale
            if self.obj.gradient_penalty > 0:
                out["gp"] = gradient_penalty(critic, real, fake, grad_scale=scale)
                loss_d = loss_d + self.obj.gradient_penalty * out["gp"]
            if self.obj.r1 > 0 and (self.step * len(batches) + index) % self.obj.r1_every == 0:
                self.last_r1 = r1_penalty(critic, real, grad_scale=scale)
                loss_d = loss_d + self.obj.r1 * self.obj.r1_every * self.last_r1
            if self.obj.r1 > 0:  # lazy R1 logs its latest value
                out["r1"] = self.last_r1 if self.last_r1 is not None else real.new_zeros(())
            self._step("discriminator", loss_d)
            if self.obj.weight_clip > 0:
                clip_weights(disc, self.obj.weight_clip)
        # G's step reuses the last fake batch: G has not changed since it was drawn.
        with self.frozen("discriminator"):
            if self.obj.feature_matching:
                loss_g = feature_matching_loss(self.disc_features(self._blur(real, noise), labels),
                                               self.disc_features(self._blur(fake, noise), labels))
            else:
                fake_logits_g, code_loss_g = self.critic_fake(self._blur(fake, noise), labels)
                loss_g = self.loss.generator(self._top_k(fake_logits_g))
                if code_loss_g is not None:
                    loss_g = loss_g + code_loss_g
            self._step("generator", loss_g)
        out.update(loss_d=loss_d, loss_g=loss_g, d_real=real_logits.mean(),
                   d_fake=fake_logits.mean())
        return {k: v.detach() for k, v in out.items()}

    def _top_k(self, fake_logits: torch.Tensor) -> torch.Tensor:
        if self.obj.top_k >= 1:
            return fake_logits
        fraction = top_k_fraction(self.step / self.epoch_steps, self.obj.top_k_gamma, self.obj.top_k)
        return keep_top_k(fake_logits, fraction)

    def extra_state(self) -> dict:
        return {name: h.state_dict() for name, h in self.history.items()}

    def load_extra_state(self, state: dict) -> None:
        for name, h in self.history.items():
            h.load_state_dict(state[name])
