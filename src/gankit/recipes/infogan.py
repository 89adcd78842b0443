"""InfoGAN (Chen et al. 2016) with a categorical code: Q, a head on D's features, learns which
of the K codes of `model.latent_prior = "categorical"` made each fake, and G learns to make
its codes recognisable, both minimising λ · cross-entropy (a lower bound of the mutual
information between code and sample, up to the code's entropy). On data of K separate modes
this drives G to give each code a region of its own instead of sharing modes between codes."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from gankit.nets import build_discriminator
from gankit.nets.code_head import CodeHeadDiscriminator
from gankit.nets.layers import apply_spectral_norm, categorical_code
from gankit.recipes.gan import GANRecipe


class InfoGANRecipe(GANRecipe):
    """The GAN recipe, with D(x) -> (logit, code logits) and the code loss on every fake."""

    def make_discriminator(self) -> torch.nn.Module:
        model = self.cfg.model
        net = CodeHeadDiscriminator(build_discriminator(model, self.data_shape), self.data_shape,
                                    model.latent_components)
        if model.spectral_norm:  # D's own layers have it already
            apply_spectral_norm(net.code_head)
        return net

    def critic(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.nets["discriminator"](x)[0]

    def fake_batch(self, n: int, device: torch.device,
                   labels: torch.Tensor | None = None) -> torch.Tensor:
        z = self.sample_latent(n, device)
        self.codes = categorical_code(z, self.cfg.model.latent_components)  # read by critic_fake
        return self.generator(z)

    def code_loss_on(self) -> bool:
        """Whether G and D's shared layers learn from the code loss at the current step
        (the first objective.info_until of the run)."""
        return self.step < self.obj.info_until * self.cfg.train.steps

    def critic_fake(self, x: torch.Tensor,
                    labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        # after info_until the code head reads detached features: the loss trains Q alone (so
        # code_acc stays a measurement, and DDP sees a gradient for every parameter) and is a
        # constant in G's step
        logits, code_logits = self.nets["discriminator"](x, codes_train_features=self.code_loss_on())
        cross_entropy = F.cross_entropy(code_logits, self.codes)
        self.code_stats = {"loss_code": cross_entropy.detach(),
                           "code_acc": (code_logits.argmax(1) == self.codes).float().mean().detach()}
        return logits, self.obj.info_weight * cross_entropy

    def train_step(self, batches: list) -> dict[str, torch.Tensor]:
        out = super().train_step(batches)
        out.update(self.code_stats)  # Q's cross-entropy and accuracy on G's last batch
        return out
