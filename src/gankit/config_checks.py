"""Checks of a loaded config: allowed values, ranges and combinations, one readable line each."""

from __future__ import annotations

import difflib
import typing
from typing import TYPE_CHECKING, Any

from gankit.errors import GankitError

if TYPE_CHECKING:
    from gankit.config import RunConfig

CHOICES: dict[str, tuple[str, ...]] = {
    "recipe": ("gan", "cgan", "acgan", "ssgan", "infogan"),
    "data.dataset": ("fashion-mnist", "mnist", "cifar10", "folder", "ring8", "grid25"),
    "data.split": ("train", "test"),
    "model.arch": ("dcgan", "mlp"),
    "model.latent_prior": ("normal", "uniform", "categorical"),
    "model.g_norm": ("batch", "virtual_batch", "none"),
    "model.d_norm": ("batch", "none"),
    "model.conditioning": ("concat", "concat_all", "projection"),
    "objective.loss": ("minimax", "nonsaturating", "wasserstein", "least_squares", "hinge"),
    "optim.name": ("adam", "rmsprop"),
    "train.device": ("auto", "cpu", "cuda"),
    "train.eval_features": ("auto", "inception", "fmnist"),
    "train.precision": ("auto", "fp32", "bf16", "fp16"),
    "train.channels_last": ("auto", "true", "false"),
    "train.compile": ("auto", "true", "false"),
    "train.compile_mode": ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs"),
    "train.backend": ("auto", "gloo", "nccl"),
}

POSITIVE = {
    "data.image_size", "data.toy_samples", "model.latent_dim", "model.g_width",
    "model.d_width", "optim.lr_g", "optim.lr_d", "train.steps", "train.batch_size",
    "train.n_critic", "train.log_every", "train.sample_every", "train.checkpoint_every",
    "train.keep_checkpoints", "train.grid_size", "model.vbn_reference_size", "model.pack",
    "model.minibatch_kernel_dim", "model.num_classes", "objective.r1_every",
    "model.latent_continuous_scale",
}
NON_NEGATIVE = {
    "objective.gradient_penalty", "objective.r1", "objective.weight_clip",
    "objective.historical_averaging", "model.minibatch_kernels", "objective.label_smoothing",
    "model.d_maxout_pieces", "train.eval_every", "objective.aux_class_weight",
    "data.labels_per_class", "model.latent_components", "objective.instance_noise",
    "objective.info_weight",
}


def closest(name: str, options: typing.Iterable[str]) -> str:
    match = difflib.get_close_matches(name, list(options), n=1, cutoff=0.5)
    return f" (did you mean '{match[0]}'?)" if match else ""


def get_value(cfg: RunConfig, dotted: str) -> Any:
    """Read `section.key` (or a top-level key) from a config."""
    obj: Any = cfg
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def validate(cfg: RunConfig) -> None:
    """Refuse values and combinations that cannot work, in one line each."""
    for dotted, options in CHOICES.items():
        value = get_value(cfg, dotted)
        if value not in options:
            raise GankitError(
                f"{dotted}: '{value}' is not one of {', '.join(options)}{closest(value, options)}"
            )
    for dotted in POSITIVE:
        if get_value(cfg, dotted) <= 0:
            raise GankitError(f"{dotted}: must be positive, got {get_value(cfg, dotted)}")
    for dotted in NON_NEGATIVE:
        if get_value(cfg, dotted) < 0:
            raise GankitError(f"{dotted}: must be zero or positive, got {get_value(cfg, dotted)}")
    validate_objective(cfg)
    if not 0.0 <= cfg.train.lr_decay_start <= 1.0:
        raise GankitError(f"train.lr_decay_start: a fraction of the steps in [0, 1], got "
                          f"{cfg.train.lr_decay_start}")
    if not 0.0 <= cfg.train.ema_decay < 1.0:
        raise GankitError(f"train.ema_decay: must be in [0, 1), got {cfg.train.ema_decay}")
    if cfg.train.eval_every:
        from gankit.metrics.suite import parse_metrics

        try:
            parse_metrics(cfg.train.eval_metrics)
        except GankitError as err:
            raise GankitError(f"train.eval_metrics: {err}") from None
        if cfg.train.eval_n < 2:
            raise GankitError(f"train.eval_n: at least 2 samples, got {cfg.train.eval_n}")
    if cfg.data.channels not in (0, 1, 3):
        raise GankitError(f"data.channels: must be 0 (as stored), 1 or 3, got {cfg.data.channels}")
    if cfg.model.arch == "dcgan" and cfg.data.image_size not in (28, 32, 64):
        raise GankitError(
            f"data.image_size: the DCGAN nets support 28, 32 or 64, got {cfg.data.image_size}"
        )


def validate_objective(cfg: RunConfig) -> None:
    """Combinations that cannot work, refused before training starts."""
    o, m = cfg.objective, cfg.model
    if o.weight_clip > 0 and o.loss != "wasserstein":
        raise GankitError(f"objective.weight_clip is for the Wasserstein critic, not the {o.loss} "
                          "loss (set objective.loss = \"wasserstein\" or weight_clip = 0)")
    if o.weight_clip > 0 and o.gradient_penalty > 0:
        raise GankitError("objective.weight_clip and objective.gradient_penalty are alternatives "
                          "(WGAN vs WGAN-GP): set one of them to 0")
    if o.label_smoothing > 0 and o.loss not in ("minimax", "nonsaturating"):
        raise GankitError(f"objective.label_smoothing applies to minimax/nonsaturating, not {o.loss}")
    if not o.label_smoothing < 1:
        raise GankitError(f"objective.label_smoothing must be below 1, got {o.label_smoothing}")
    if not 0 < o.instance_noise_until <= 1:
        raise GankitError("objective.instance_noise_until is the fraction of train.steps over which "
                          f"the noise falls to 0, in (0, 1], got {o.instance_noise_until}")
    if not 0 < o.top_k <= 1 or not 0 < o.top_k_gamma <= 1:
        raise GankitError(f"objective.top_k and top_k_gamma are fractions in (0, 1], got {o.top_k} "
                          f"and {o.top_k_gamma}")
    if o.top_k < 1 and (o.feature_matching or cfg.recipe in ("acgan", "ssgan")):
        raise GankitError("objective.top_k selects the fakes D scores best for G's adversarial loss: "
                          "not with feature matching or the acgan/ssgan recipes")
    if cfg.train.batch_size % m.pack:
        raise GankitError(f"model.pack = {m.pack} does not divide train.batch_size = "
                          f"{cfg.train.batch_size}")
    if cfg.recipe != "gan" and m.pack > 1:
        raise GankitError(f"model.pack: packing is for the unconditional gan recipe, not {cfg.recipe}")
    if cfg.recipe == "infogan" and m.latent_prior != "categorical":
        raise GankitError("recipe infogan learns the codes of model.latent_prior = \"categorical\": "
                          "set it and model.latent_components (e.g. 10)")
    if cfg.recipe == "infogan" and o.feature_matching:
        raise GankitError("objective.feature_matching replaces G's adversarial loss, which carries "
                          "the infogan code loss: not with recipe infogan")
    if cfg.recipe != "infogan" and (o.info_weight != 1.0 or o.info_until != 1.0):
        raise GankitError("objective.info_weight and info_until set the code loss of recipe infogan, "
                          f"not {cfg.recipe}")
    if not 0 < o.info_until <= 1:
        raise GankitError("objective.info_until is the fraction of train.steps with the code loss, "
                          f"in (0, 1], got {o.info_until}")
    if cfg.recipe in ("cgan", "acgan", "ssgan") and cfg.data.dataset in ("folder", "ring8", "grid25"):
        raise GankitError(f"recipe {cfg.recipe} needs class labels, which {cfg.data.dataset} "
                          "data does not have (use fashion-mnist, mnist or cifar10)")
    if cfg.recipe == "ssgan" and cfg.data.labels_per_class < 1:
        raise GankitError("data.labels_per_class: the semi-supervised recipe needs labelled "
                          "images, e.g. --set data.labels_per_class=100")
    if cfg.recipe in ("acgan", "ssgan"):
        unused = [name for name in ("gradient_penalty", "r1", "weight_clip", "historical_averaging",
                                    "instance_noise")
                  if getattr(o, name)] + (["feature_matching"] if o.feature_matching and
                                          cfg.recipe == "acgan" else [])
        if unused:
            raise GankitError(f"objective.{unused[0]} is not used by the {cfg.recipe} recipe; remove it")
    if cfg.recipe in ("acgan", "ssgan") and m.arch != "dcgan":
        raise GankitError(f"recipe {cfg.recipe} is built on the dcgan nets (model.arch = \"dcgan\")")
    if m.conditioning in ("projection", "concat_all") and (cfg.recipe != "cgan" or m.arch != "dcgan"):
        raise GankitError(f"model.conditioning = \"{m.conditioning}\" is for the cgan recipe with dcgan nets")
    if m.latent_prior != "normal" and cfg.recipe not in ("gan", "infogan"):
        raise GankitError(f"model.latent_prior = \"{m.latent_prior}\" is for the unconditional gan "
                          "and infogan recipes")
    if (m.latent_prior == "categorical") != (m.latent_components > 0):
        raise GankitError("model.latent_components is the number of codes of model.latent_prior = "
                          "\"categorical\": set both (e.g. 25) or neither")
    if m.latent_prior == "categorical" and (m.latent_components < 2 or m.latent_dim < 2):
        raise GankitError("model.latent_prior = \"categorical\" needs model.latent_components >= 2 and "
                          "model.latent_dim >= 2 (the last coordinate picks the code)")
    if m.latent_continuous_scale != 1.0 and m.latent_prior != "categorical":
        raise GankitError("model.latent_continuous_scale weighs the Gaussian coordinates beside the "
                          "code of model.latent_prior = \"categorical\"")
    if m.cbn_label_in_latent and m.conditioning != "projection":
        raise GankitError("model.cbn_label_in_latent is for the conditional batch-norm G of "
                          "model.conditioning = \"projection\"")
    if m.conditioning == "concat_all" and (m.g_norm == "virtual_batch" or m.minibatch_kernels):
        raise GankitError("model.conditioning = \"concat_all\" works with g_norm batch|none and "
                          "without minibatch discrimination")
    if m.arch == "dcgan" and m.d_norm == "batch" and (o.gradient_penalty > 0 or o.r1 > 0):
        raise GankitError("gradient penalties need D without batch norm (set model.d_norm = \"none\")")
