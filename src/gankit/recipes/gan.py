"""The standard GAN update: `n_critic` D steps, then one G step, for any adversarial loss."""

from __future__ import annotations

import torch

from gankit.config import RunConfig
from gankit.errors import GankitError
from gankit.nets import build_discriminator
from gankit.objectives import ADVERSARIAL_LOSSES
from gankit.recipes.base import Recipe, make_optimizer


class GANRecipe(Recipe):
    """Goodfellow et al. 2014 / DCGAN: D learns real vs fake, G learns to fool D."""

    def __init__(self, cfg: RunConfig, data_shape: tuple[int, ...]) -> None:
        super().__init__(cfg, data_shape)
        if cfg.model.arch == "dcgan" and len(data_shape) != 3:
            raise GankitError(
                f"model.arch: dcgan needs image data, but {cfg.data.dataset} gives points; "
                "use model.arch = \"mlp\""
            )
        self.loss = ADVERSARIAL_LOSSES[cfg.objective.loss]
        self.batches_per_step = cfg.train.n_critic
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

    def train_step(self, batches: list[torch.Tensor]) -> dict[str, torch.Tensor]:
        gen, disc = self.generator, self.nets["discriminator"]
        opt_g, opt_d = self.optimizers["generator"], self.optimizers["discriminator"]
        for real in batches:
            fake = gen(self.sample_latent(real.shape[0], real.device))
            real_logits, fake_logits = disc(real), disc(fake.detach())
            loss_d = self.loss.discriminator(real_logits, fake_logits)
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
        # G's step reuses the last fake batch: G has not changed since it was drawn.
        loss_g = self.loss.generator(disc(fake))
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        return {
            "loss_d": loss_d.detach(),
            "loss_g": loss_g.detach(),
            "d_real": real_logits.detach().mean(),
            "d_fake": fake_logits.detach().mean(),
        }
