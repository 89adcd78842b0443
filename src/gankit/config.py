"""Run configuration: typed dataclasses loaded from TOML presets plus `--set` overrides."""

from __future__ import annotations

import dataclasses
import difflib
import sys
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gankit.errors import GankitError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass
class DataConfig:
    """Where the real samples come from and how they are shaped."""

    dataset: str = "fashion-mnist"  # fashion-mnist | mnist | cifar10 | folder | ring8 | grid25
    root: str = ""  # a directory to read from; "" follows the dataset's lookup order
    split: str = "train"
    image_size: int = 32
    channels: int = 0  # 0 keeps the dataset's own; 1 or 3 converts
    num_workers: int = 0  # loader processes for folder datasets
    toy_samples: int = 100_000  # size of a 2-D toy training set
    labels_per_class: int = 0  # semi-supervised recipe: labelled training images per class


@dataclass
class ModelConfig:
    """Which networks and how wide."""

    arch: str = "dcgan"  # dcgan | mlp
    latent_dim: int = 100
    latent_prior: str = "normal"  # normal | uniform (G maps z ~ N(0, I) to erf(z/√2), uniform on [-1, 1])
    # | categorical (G reads the last coordinate as one of latent_components equally likely codes)
    latent_components: int = 0  # latent_prior = "categorical": how many codes
    # latent_prior = "categorical": factor on the Gaussian coordinates beside the code; below 1
    # each code starts as a tight cluster, so it settles on one mode before it spreads
    latent_continuous_scale: float = 1.0
    g_width: int = 64  # DCGAN: channels of the last hidden G layer (doubled per layer up)
    d_width: int = 64  # DCGAN: channels of the first D layer (doubled per layer down)
    g_hidden: list[int] = field(default_factory=lambda: [256, 512, 1024])  # MLP G widths
    d_hidden: list[int] = field(default_factory=lambda: [1024, 512, 256])  # MLP D widths
    g_norm: str = "batch"  # batch | virtual_batch | none (normalisation in hidden G layers)
    d_norm: str = "batch"  # batch | none (normalisation in hidden D layers)
    d_dropout: float = 0.0  # MLP D dropout
    d_maxout_pieces: int = 0  # MLP D: maxout units of this many pieces instead of LeakyReLU
    vbn_reference_size: int = 64  # reference batch of virtual batch norm
    spectral_norm: bool = False  # spectral normalisation of every D weight
    minibatch_kernels: int = 0  # minibatch discrimination kernels B (0 = off)
    minibatch_kernel_dim: int = 5  # ... and their dimension C
    pack: int = 1  # PacGAN: D judges `pack` samples at once
    num_classes: int = 10  # conditional and semi-supervised recipes: classes of the labels
    conditioning: str = "concat"  # cgan: concat (one-hot beside z and x) | concat_all (... and beside
    # every hidden layer of G and D) | projection (cBN G, projection D)
    cbn_label_in_latent: bool = False  # projection: the one-hot label also joins z in the cBN G


@dataclass
class ObjectiveConfig:
    """The adversarial loss."""

    loss: str = "nonsaturating"  # minimax | nonsaturating | wasserstein | least_squares | hinge
    label_smoothing: float = 0.0  # one-sided: real target 1 - s (0.1 gives 0.9)
    gradient_penalty: float = 0.0  # WGAN-GP weight lambda (0 = off)
    r1: float = 0.0  # R1 weight gamma on real data (0 = off)
    r1_every: int = 1  # lazy R1 (Karras et al. 2020): on every k-th D update only, weighted k * gamma
    weight_clip: float = 0.0  # WGAN weight clipping bound (0 = off)
    feature_matching: bool = False  # G matches mean D features instead of fooling D
    historical_averaging: float = 0.0  # weight of the historical-averaging penalty
    top_k: float = 1.0  # top-k G updates (Sinha et al. 2020): least kept fraction of the fakes (1 = off)
    top_k_gamma: float = 0.99  # ... the kept fraction starts at 1 and shrinks by this per epoch
    aux_class_weight: float = 1.0  # acgan: weight of the auxiliary classification loss
    # instance noise (Sønderby et al. 2017): D sees real and fake inputs plus N(0, s²), s falling
    # linearly from this value (in data units) to 0 at instance_noise_until of train.steps
    instance_noise: float = 0.0
    instance_noise_until: float = 0.5


@dataclass
class OptimConfig:
    """Optimizers for G and D."""

    name: str = "adam"  # adam | rmsprop
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    rmsprop_alpha: float = 0.99


@dataclass
class TrainConfig:
    """The loop: length, batch, schedule of logs, samples and checkpoints."""

    steps: int = 3000
    batch_size: int = 64
    n_critic: int = 1  # D updates per G update
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda
    ema_decay: float = 0.0  # 0 turns the EMA of G off
    lr_decay_start: float = 1.0  # fraction of steps after which every LR decays linearly to 0
    log_every: int = 50
    sample_every: int = 500
    checkpoint_every: int = 1000
    keep_checkpoints: int = 2
    grid_size: int = 64  # samples in each progress grid
    tensorboard: bool = True
    eval_every: int = 0  # steps between image metrics during training (0: off)
    eval_n: int = 2000  # samples per in-training evaluation
    eval_metrics: list[str] = field(default_factory=lambda: ["fid"])  # fid, kid, is, pr, dc
    eval_features: str = "auto"  # auto (fmnist for Fashion-MNIST, else inception) | inception | fmnist
    precision: str = "auto"  # auto | fp32 | bf16 | fp16 (autocast; fp16 with a grad scaler, CUDA only)
    channels_last: str = "auto"  # auto | true | false: NHWC memory layout for the conv nets
    compile: str = "auto"  # auto | true | false: torch.compile G and D
    compile_mode: str = "default"  # default | reduce-overhead (CUDA graphs) | max-autotune
    backend: str = "auto"  # torchrun: auto (nccl on CUDA, gloo on CPU) | gloo | nccl
    sync_batchnorm: bool = False  # torchrun on CUDA: batch statistics over every rank


@dataclass
class RunConfig:
    """Everything a run needs; saved as RUN/config.toml."""

    description: str = ""
    recipe: str = "gan"
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


CHOICES: dict[str, tuple[str, ...]] = {
    "recipe": ("gan", "cgan", "acgan", "ssgan"),
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
}


def _closest(name: str, options: typing.Iterable[str]) -> str:
    match = difflib.get_close_matches(name, list(options), n=1, cutoff=0.5)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _check_type(where: str, value: Any, hint: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin is list:
        (item_type,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise GankitError(f"{where}: expected a list, got {value!r}")
        return [_check_type(f"{where}[{i}]", v, item_type) for i, v in enumerate(value)]
    if hint is bool:
        if not isinstance(value, bool):
            raise GankitError(f"{where}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise GankitError(f"{where}: expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise GankitError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if isinstance(value, bool):  # switches with an "auto" setting: true/false as text
            return "true" if value else "false"
        if not isinstance(value, str):
            raise GankitError(f"{where}: expected a string, got {value!r}")
        return value
    raise TypeError(f"unsupported config type {hint} at {where}")  # a bug, not user input


def _build(cls: type, values: dict[str, Any], prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        where = f"{prefix}{key}"
        if key not in hints:
            raise GankitError(f"unknown config key '{where}'{_closest(key, names)}")
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            if not isinstance(value, dict):
                raise GankitError(f"'{where}' is a section; set its keys as {where}.KEY")
            kwargs[key] = _build(hint, value, f"{where}.")
        else:
            kwargs[key] = _check_type(where, value, hint)
    return cls(**kwargs)


def _validate(cfg: RunConfig) -> None:
    for dotted, options in CHOICES.items():
        value = get_value(cfg, dotted)
        if value not in options:
            raise GankitError(
                f"{dotted}: '{value}' is not one of {', '.join(options)}{_closest(value, options)}"
            )
    for dotted in POSITIVE:
        if get_value(cfg, dotted) <= 0:
            raise GankitError(f"{dotted}: must be positive, got {get_value(cfg, dotted)}")
    for dotted in NON_NEGATIVE:
        if get_value(cfg, dotted) < 0:
            raise GankitError(f"{dotted}: must be zero or positive, got {get_value(cfg, dotted)}")
    _validate_objective(cfg)
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


def _validate_objective(cfg: RunConfig) -> None:
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
    if m.latent_prior != "normal" and cfg.recipe != "gan":
        raise GankitError(f"model.latent_prior = \"{m.latent_prior}\" is for the unconditional gan recipe")
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


def get_value(cfg: RunConfig, dotted: str) -> Any:
    """Read `section.key` (or a top-level key) from a config."""
    obj: Any = cfg
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def config_from_dict(values: dict[str, Any]) -> RunConfig:
    """Validate a nested dict (as read from TOML) into a RunConfig."""
    cfg = _build(RunConfig, values, "")
    _validate(cfg)
    return cfg


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split `section.key=value`; the value is read as TOML, else kept as a string."""
    if "=" not in text:
        raise GankitError(f"--set {text!r}: expected section.key=value")
    key, raw = text.split("=", 1)
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise GankitError(f"--set {text!r}: expected section.key=value")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key.split("."), value


def apply_overrides(values: dict[str, Any], overrides: typing.Iterable[str]) -> dict[str, Any]:
    """Apply `--set section.key=value` strings to a nested dict (in place) and return it."""
    for text in overrides:
        path, value = parse_override(text)
        node = values
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise GankitError(f"--set {text!r}: '{part}' is not a section")
        node[path[-1]] = value
    return values


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file, turning syntax errors into one readable line."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise GankitError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as err:
        raise GankitError(f"{path}: invalid TOML: {err}") from None


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def to_toml(cfg: RunConfig, header: str = "") -> str:
    """Serialise a config to TOML text (top-level keys first, then one table per section)."""
    values = dataclasses.asdict(cfg)
    lines = [f"# {line}" for line in header.splitlines()]
    tables = []
    for key, value in values.items():
        if isinstance(value, dict):
            tables.append((key, value))
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    for name, table in tables:
        lines.append(f"\n[{name}]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in table.items())
    return "\n".join(lines) + "\n"
