"""GAN families: one file each, registered by name."""

from __future__ import annotations

from gankit.config import RunConfig
from gankit.recipes.acgan import ACGANRecipe
from gankit.recipes.base import Recipe, make_optimizer
from gankit.recipes.cgan import ConditionalGANRecipe
from gankit.recipes.gan import GANRecipe
from gankit.recipes.infogan import InfoGANRecipe
from gankit.recipes.ssgan import SemiSupervisedGANRecipe

RECIPES: dict[str, type[Recipe]] = {
    "gan": GANRecipe,
    "cgan": ConditionalGANRecipe,
    "acgan": ACGANRecipe,
    "ssgan": SemiSupervisedGANRecipe,
    "infogan": InfoGANRecipe,
}


def build_recipe(cfg: RunConfig, data_shape: tuple[int, ...]) -> Recipe:
    """Instantiate the recipe named in the config (nets on the CPU)."""
    return RECIPES[cfg.recipe](cfg, data_shape)


__all__ = ["RECIPES", "Recipe", "GANRecipe", "ConditionalGANRecipe", "ACGANRecipe",
           "SemiSupervisedGANRecipe", "InfoGANRecipe", "build_recipe", "make_optimizer"]
