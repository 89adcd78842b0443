"""The typed options of the GAN family's recipes (`[gan]`, `[cgan]`, `[infogan]`, `[acgan]`,
`[ssgan]`) and the combinations they refuse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from gankit.config import RunConfig
from gankit.errors import GankitError
from gankit.fields import (
    NonNegativeFloat,
    OpenFraction,
    PositiveFloat,
    PositiveInt,
    Range,
    opt,
)

LOSSES = ("minimax", "nonsaturating", "wasserstein", "least_squares", "hinge")
CROSS_ENTROPY_LOSSES = ("minimax", "nonsaturating")


@dataclass
class AdversarialOptions:
    loss: Literal[LOSSES] = opt("nonsaturating", "minimax | nonsaturating | wasserstein | "
                                "least_squares | hinge")
    label_smoothing: Annotated[float, Range(0, 1, hi_open=True)] = opt(
        0.0, "one-sided: real target 1 - s (0.1 gives 0.9); minimax/nonsaturating only")
    n_critic: PositiveInt = opt(1, "D updates per G update")


@dataclass
class RegularisedOptions(AdversarialOptions):
    gradient_penalty: NonNegativeFloat = opt(0.0, "WGAN-GP weight lambda (0: off)")
    r1: NonNegativeFloat = opt(0.0, "R1 weight gamma on real data (0: off)")
    r1_every: PositiveInt = opt(1, "lazy R1: on every k-th D update only, weighted k * gamma")
    weight_clip: NonNegativeFloat = opt(0.0, "WGAN weight clipping bound (0: off)")
    feature_matching: bool = opt(False, "G matches mean D features instead of fooling D")
    historical_averaging: NonNegativeFloat = opt(0.0, "weight of the historical-averaging penalty")
    top_k: Annotated[float, OpenFraction] = opt(
        1.0, "top-k G updates: least kept fraction of the fakes (1: off)")
    top_k_gamma: Annotated[float, OpenFraction] = opt(
        0.99, "top-k: the kept fraction starts at 1 and shrinks by this per epoch")
    instance_noise: NonNegativeFloat = opt(
        0.0, "std of Gaussian noise on every D input, falling linearly to 0 (0: off)")
    instance_noise_until: Annotated[float, OpenFraction] = opt(
        0.5, "fraction of train.steps at which the instance noise reaches 0")
    diffaugment: str = opt("", "DiffAugment policy on every image D sees, real and fake: a comma "
                           "list of color, translation, cutout (\"\": off)")
    diffaugment_target: Annotated[float, Range(0, 1, hi_open=True)] = opt(
        0.0, "0: augment every image; else StyleGAN2-ADA's adaptive probability p, steered so that "
        "E[sign D(real)] stays near this target (the paper: 0.6)")
    diffaugment_kimg: PositiveFloat = opt(
        500.0, "adaptive DiffAugment: thousands of images over which p can move from 0 to 1")


@dataclass
class GANOptions(RegularisedOptions):
    pack: PositiveInt = opt(1, "PacGAN: D judges this many samples at once")


def check_adversarial(cfg: RunConfig) -> None:
    o = cfg.options
    where = cfg.recipe
    if o.label_smoothing > 0 and o.loss not in CROSS_ENTROPY_LOSSES:
        raise GankitError(f"{where}.label_smoothing applies to minimax/nonsaturating, not {o.loss}")


def check_regularisers(cfg: RunConfig) -> None:
    """Combinations of the GAN family's regularisers that cannot work."""
    check_adversarial(cfg)
    o, where = cfg.options, cfg.recipe
    if o.weight_clip > 0 and o.loss != "wasserstein":
        raise GankitError(f"{where}.weight_clip is for the Wasserstein critic, not the {o.loss} "
                          f"loss (set {where}.loss = \"wasserstein\" or weight_clip = 0)")
    if o.weight_clip > 0 and o.gradient_penalty > 0:
        raise GankitError(f"{where}.weight_clip and {where}.gradient_penalty are alternatives "
                          "(WGAN vs WGAN-GP): set one of them to 0")
    if o.top_k < 1 and o.feature_matching:
        raise GankitError(f"{where}.top_k selects the fakes D scores best for G's adversarial loss: "
                          "not with feature matching")
    if o.diffaugment:
        from gankit.objectives.diffaugment import parse_policy

        parse_policy(o.diffaugment)
    if o.diffaugment_target > 0 and not o.diffaugment:
        raise GankitError(f"{where}.diffaugment_target steers the probability of the DiffAugment "
                          f"policy: set {where}.diffaugment too (e.g. \"color,translation,cutout\")")
    d = cfg.nets["D"]
    if getattr(d, "norm", None) == "batch" and (o.gradient_penalty > 0 or o.r1 > 0):
        raise GankitError("gradient penalties need D without batch norm (set nets.D.norm = \"none\")")


def check_normal_latent(cfg: RunConfig) -> None:
    """Recipes whose G takes plain Gaussian latents."""
    prior = cfg.nets["G"].latent_prior
    if prior != "normal":
        raise GankitError(f"nets.G.latent_prior = \"{prior}\" is for the unconditional gan and "
                          f"infogan recipes, not {cfg.recipe}")


def check_dcgan_nets(cfg: RunConfig, what: str) -> None:
    if cfg.nets["G"].arch != "dcgan" or cfg.nets["D"].arch != "dcgan":
        raise GankitError(f"{what} is built on the dcgan nets (nets.G.arch = nets.D.arch = \"dcgan\")")
