"""Run configuration: typed dataclasses loaded from TOML presets plus `--set` overrides."""

from __future__ import annotations

import dataclasses
import sys
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gankit.config_checks import closest, validate
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
    info_weight: float = 1.0  # infogan: weight λ of the code loss (the paper's 1 for categorical codes)
    info_until: float = 1.0  # infogan: G and D's shared layers learn the code loss for this fraction
    # of train.steps (1 = all); Q alone goes on learning it
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
            raise GankitError(f"unknown config key '{where}'{closest(key, names)}")
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            if not isinstance(value, dict):
                raise GankitError(f"'{where}' is a section; set its keys as {where}.KEY")
            kwargs[key] = _build(hint, value, f"{where}.")
        else:
            kwargs[key] = _check_type(where, value, hint)
    return cls(**kwargs)


def config_from_dict(values: dict[str, Any]) -> RunConfig:
    """Validate a nested dict (as read from TOML) into a RunConfig."""
    cfg = _build(RunConfig, values, "")
    validate(cfg)
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
