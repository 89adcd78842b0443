"""GAN families: one file each, registered by name."""

from __future__ import annotations

from gankit.config import RunConfig
from gankit.recipes.base import Recipe, make_optimizer
from gankit.recipes.gan import GANRecipe

RECIPES: dict[str, type[Recipe]] = {"gan": GANRecipe}


def build_recipe(cfg: RunConfig, data_shape: tuple[int, ...]) -> Recipe:
    """Instantiate the recipe named in the config (nets on the CPU)."""
    return RECIPES[cfg.recipe](cfg, data_shape)


__all__ = ["RECIPES", "Recipe", "GANRecipe", "build_recipe", "make_optimizer"]
