"""The standard GAN update: `n_critic` D updates, then one G update, for any adversarial
loss, with the regularisers of the options composed as named terms."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from gankit.data.batch import Batch
from gankit.errors import GankitError
from gankit.nets import build_net
from gankit.nets.layers import pack
from gankit.objectives import adversarial_loss, feature_matching_loss, keep_top_k, top_k_fraction
from gankit.objectives import terms as T
from gankit.recipes.base import Role
from gankit.recipes.gan_options import CROSS_ENTROPY_LOSSES, GANOptions, check_regularisers
from gankit.recipes.registry import register_recipe
from gankit.recipes.sampler_base import SamplerRecipe


@register_recipe
class GANRecipe(SamplerRecipe):
    """Goodfellow et al. 2014 and its descendants: D learns real vs fake (or a critic learns
    a distance), G learns to move its samples towards the data."""

    name = "gan"
    Options = GANOptions
    roles = {"G": Role("generator", "dcgan"), "D": Role("discriminator", "dcgan")}
    groups = {"G": ("G",), "D": ("D",)}
    data_kinds = ("images", "points")

    @classmethod
    def check(cls, cfg, spec) -> None:
        super().check(cfg, spec)
        check_regularisers(cfg)
        if cfg.train.batch_size % getattr(cfg.options, "pack", 1):
            raise GankitError(f"gan.pack = {cfg.options.pack} does not divide train.batch_size = "
                              f"{cfg.train.batch_size}")

    @classmethod
    def double_backward(cls, cfg) -> bool:
        return cfg.options.gradient_penalty > 0 or cfg.options.r1 > 0

    def __init__(self, cfg, spec, ctx=None) -> None:
        super().__init__(cfg, spec, ctx)
        o = self.opts
        self.pack = getattr(o, "pack", 1)
        if (cfg.train.batch_size // self.ctx.world.size) % self.pack:
            raise GankitError(f"gan.pack = {self.pack} does not divide the batch per process "
                              f"({cfg.train.batch_size} / {self.ctx.world.size} ranks)")
        self.loss = adversarial_loss(o.loss, 1.0 - o.label_smoothing)
        self.batches_per_step = o.n_critic
        self.epoch_steps = max(1.0, (spec.length or cfg.train.batch_size) / cfg.train.batch_size)
        self.terms = T.Terms(self.build_terms())

    def build_terms(self) -> list:
        """The regularisers the options switch on, in the order their losses are summed."""
        o, terms = self.opts, []
        if getattr(o, "diffaugment", ""):
            from gankit.objectives.diffaugment import AdaptiveDiffAugment, DiffAugment

            terms.append(AdaptiveDiffAugment(o.diffaugment, o.diffaugment_target, o.diffaugment_kimg)
                         if o.diffaugment_target > 0 else DiffAugment(o.diffaugment))
        if o.instance_noise > 0:
            terms.append(T.InstanceNoise(o.instance_noise, o.instance_noise_until * self.cfg.train.steps))
        if o.gradient_penalty > 0:
            terms.append(T.GradientPenalty(o.gradient_penalty))
        if o.r1 > 0:
            terms.append(T.R1(o.r1, o.r1_every))
        if o.weight_clip > 0:
            terms.append(T.WeightClip(o.weight_clip, lambda: self.nets["D"]))
        if o.historical_averaging > 0:
            terms.append(T.HistoricalAveraging(o.historical_averaging,
                                             {"G": self.nets["G"], "D": self.nets["D"]}))
        return terms

    def build_nets(self) -> dict[str, torch.nn.Module]:
        return {"G": self.make_generator(), "D": self.make_discriminator()}

    def make_discriminator(self) -> torch.nn.Module:
        shape = self.spec.sample_shape
        packed = (shape[0] * getattr(self.opts, "pack", 1), *shape[1:])
        return build_net("discriminator", self.cfg.nets["D"], packed, "nets.D")

    def critic(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """D's logits for x, packed `pack` samples at a time."""
        return self.nets["D"](pack(x, self.pack))

    def critic_fake(self, x: torch.Tensor, labels: torch.Tensor | None = None
                    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """D's logits for G's samples x, and D's extra outputs on them (InfoGAN's code logits)."""
        return self.critic(x, labels), None

    def disc_features(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """D's intermediate features (for feature matching)."""
        return self.nets["D"].features(pack(x, self.pack))

    def train_step(self, batches: Sequence[Batch]) -> dict[str, torch.Tensor]:
        terms, step = self.terms, self.step
        for index, batch in enumerate(batches):
            real, labels = batch["image"], batch.get("label")
            z = self.sample_latent(real.shape[0])
            fake = self.generate(z, labels)

            def critic(x: torch.Tensor, labels=labels) -> torch.Tensor:
                return self.critic(terms.perturb(x, step), labels)

            ctx = T.TermContext(real, fake, critic, self.ctx.precision.grad_scale, step,
                              step * len(batches) + index, z)
            real_logits = ctx.real_logits = critic(real)
            fake_logits, ctx.fake_aux = self.critic_fake(terms.perturb(fake.detach(), step), labels)
            loss_d = terms.add_to(self.loss.discriminator(real_logits, fake_logits), "d_loss", ctx)
            self.update("D", loss_d)
            terms.after_update("D")
        # G's step reuses the last fake batch: G has not changed since it was drawn.
        with self.frozen("D"):
            if self.opts.feature_matching:
                loss_g = feature_matching_loss(self.disc_features(terms.perturb(real, step), labels),
                                               self.disc_features(terms.perturb(fake, step), labels))
            else:
                logits_g, ctx.fake_aux = self.critic_fake(terms.perturb(fake, step), labels)
                loss_g = self.loss.generator(self._top_k(logits_g))
            loss_g = terms.add_to(loss_g, "g_loss", ctx)
            self.update("G", loss_g)
            terms.after_update("G")
        out = {**terms.logged(), "loss_d": loss_d, "loss_g": loss_g, "d_real": real_logits.mean(),
               "d_fake": fake_logits.mean()}
        return {k: v.detach() for k, v in out.items()}

    def _top_k(self, fake_logits: torch.Tensor) -> torch.Tensor:
        if self.opts.top_k >= 1:
            return fake_logits
        fraction = top_k_fraction(self.step / self.epoch_steps, self.opts.top_k_gamma, self.opts.top_k)
        return keep_top_k(fake_logits, fraction)

    def models(self) -> dict:
        models = super().models()
        if self.opts.loss in CROSS_ENTROPY_LOSSES and self.pack == 1:  # D's logit ~ log p_data/p_G
            models["critic"] = {"kind": "critic", "net": "D", "log_ratio": True}
        return models

    def state_dict(self) -> dict:
        return {**super().state_dict(), "terms": self.terms.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.terms.load_state_dict(state.get("terms", {}))
