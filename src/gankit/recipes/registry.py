"""Recipes by name: each recipe module registers its class; the choice list follows."""

from __future__ import annotations

from gankit.errors import GankitError
from gankit.fields import closest

RECIPES: dict[str, type] = {}


def register_recipe(cls: type) -> type:
    """Class decorator: make the recipe `cls.name` available to configs."""
    RECIPES[cls.name] = cls
    return cls


def recipe_class(name: str) -> type:
    """The recipe class registered as `name`, or one line naming the valid ones."""
    import gankit.recipes  # noqa: F401 (registers the built-in recipes)

    if name not in RECIPES:
        names = sorted(RECIPES)
        raise GankitError(f"recipe: '{name}' is not one of {', '.join(names)}{closest(name, names)}")
    return RECIPES[name]
