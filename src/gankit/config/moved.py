"""Keys of the config layout before gankit 0.2 and where they live now: an old key gives
one line naming its new place instead of a silent change of meaning."""

from __future__ import annotations

from typing import Any

from gankit.errors import GankitError

R = "{recipe}"  # the recipe's own section
MOVED = {
    "model.arch": "nets.G.arch and nets.D.arch",
    "model.latent_dim": "nets.G.latent_dim",
    "model.latent_prior": "nets.G.latent_prior",
    "model.latent_components": "nets.G.latent_components",
    "model.latent_continuous_scale": "nets.G.latent_continuous_scale",
    "model.g_width": "nets.G.width",
    "model.d_width": "nets.D.width",
    "model.g_hidden": "nets.G.hidden",
    "model.d_hidden": "nets.D.hidden",
    "model.g_norm": "nets.G.norm",
    "model.d_norm": "nets.D.norm",
    "model.d_dropout": "nets.D.dropout",
    "model.d_maxout_pieces": "nets.D.maxout_pieces",
    "model.vbn_reference_size": "nets.G.vbn_reference_size",
    "model.spectral_norm": "nets.D.spectral_norm",
    "model.minibatch_kernels": "nets.D.minibatch_kernels",
    "model.minibatch_kernel_dim": "nets.D.minibatch_kernel_dim",
    "model.pack": f"{R}.pack",
    "model.num_classes": "the dataset (its number of classes is read from it)",
    "model.conditioning": "cgan.conditioning",
    "model.cbn_label_in_latent": "cgan.cbn_label_in_latent",
    "objective.aux_class_weight": "acgan.aux_class_weight",
    "optim.lr_g": "optim.lr.G",
    "optim.lr_d": "optim.lr.D",
    "train.n_critic": f"{R}.n_critic",
}


def refuse_moved_keys(values: dict[str, Any], recipe: str) -> None:
    """One line for the first key of the old layout in `values`."""
    for dotted, target in MOVED.items():
        section, key = dotted.split(".")
        if isinstance(values.get(section), dict) and key in values[section]:
            raise GankitError(f"{dotted} has moved to {target.format(recipe=recipe)} "
                              "(the config layout changed in gankit 0.2; see CHANGELOG.md)")
    objective = values.get("objective")
    if isinstance(objective, dict) and objective:
        key = next(iter(objective))
        raise GankitError(f"objective.{key} has moved to {recipe}.{key} (the recipe's own "
                          "section; the config layout changed in gankit 0.2, see CHANGELOG.md)")
    if "model" in values:
        raise GankitError("the [model] section has moved to [nets.G] and [nets.D] (see CHANGELOG.md)")
