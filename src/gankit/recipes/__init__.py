"""Model families: one file each, registered by name (`recipes.registry.RECIPES`)."""

from __future__ import annotations

from gankit.config import RunConfig
from gankit.data.batch import DataSpec
from gankit.recipes import (  # noqa: F401 (register them)
    acgan,
    bicyclegan,
    cgan,
    cyclegan,
    gan,
    infogan,
    pix2pix,
    srgan,
    ssgan,
    superres,
    template,
    zi2zi,
)
from gankit.recipes.base import Recipe, Role, StepContext, Visuals, make_optimizer
from gankit.recipes.registry import RECIPES, recipe_class, register_recipe


def build_recipe(cfg: RunConfig, spec: DataSpec, ctx: StepContext | None = None) -> Recipe:
    """Instantiate the recipe named in the config (nets on the CPU)."""
    return recipe_class(cfg.recipe)(cfg, spec, ctx)


__all__ = ["RECIPES", "Recipe", "Role", "StepContext", "Visuals", "build_recipe", "make_optimizer",
           "recipe_class", "register_recipe"]
