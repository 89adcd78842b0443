"""InfoGAN's Q (Chen et al. 2016): a linear head beside D's own, on D's shared features,
predicting which categorical code G's sample was made from."""

from __future__ import annotations

import math

import torch
from torch import nn

from gankit.nets.registry import exportable


@exportable
class CodeHeadDiscriminator(nn.Module):
    """Wraps a D that has `features` and `head`: x -> (D's logits, logits of `components` codes)."""

    def __init__(self, discriminator: nn.Module, input_shape: tuple[int, ...], components: int,
                 spectral_norm: bool = False) -> None:
        super().__init__()
        self.features, self.head = discriminator.features, discriminator.head
        was_training = discriminator.training
        with torch.no_grad():  # the width of D's features, without touching batch-norm statistics
            width = math.prod(self.features.eval()(torch.zeros(1, *input_shape)).shape[1:])
        self.features.train(was_training)
        self.code_head = nn.Sequential(nn.Flatten(), nn.Linear(width, components))
        if spectral_norm:  # D's own layers carry theirs already
            from gankit.nets.layers import apply_spectral_norm

            apply_spectral_norm(self.code_head)

    def forward(self, x: torch.Tensor,
                codes_train_features: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
        """With `codes_train_features` False the code head reads D's features detached: a loss on
        its logits then trains the code head alone."""
        features = self.features(x)
        code_input = features if codes_train_features else features.detach()
        return self.head(features).view(-1), self.code_head(code_input)
