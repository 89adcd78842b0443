"""The sections every run has: data, optim, train; and the RunConfig that holds them with the
recipe's own section and one section per net role (`[nets.G]`, `[nets.D]`, ...)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from gankit.fields import (
    MAX_SEED,
    Fraction,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    Range,
    opt,
)

DATASETS = ("fashion-mnist", "mnist", "cifar10", "folder", "ring8", "grid25", "paired", "unpaired",
            "glyphs", "edges", "classes", "superres")


@dataclass
class GlyphOptions:
    """data.dataset = "glyphs": characters rendered in a source font and target fonts."""

    source: str = opt("wqy-microhei", "the source font (a name of gankit data glyphs --help, or a "
                      ".ttf/.otf/.ttc path)")
    targets: list[str] = opt(["ukai"], "the target fonts, each a style id in this order ([] with a "
                             "data.root dataset: all of its targets)")
    charset: str = opt("gb2312", "gb2312 | ascii | chars:STRING | a text file of characters")
    margin: NonNegativeInt = opt(0, "empty pixels around the ink (0: image_size / 16)")
    unpaired: bool = opt(False, "train on no pair: the training characters split in two by a hash of "
                         "the code point, A = the source font on one half, B = the (one) target font on "
                         "the other; the test split keeps its pairs (ground truth)")


@dataclass
class EdgeOptions:
    """data.dataset = "edges": the Canny edges of a dataset's images (A) beside them (B)."""

    of: str = opt("fashion-mnist", "the images: fashion-mnist | mnist | cifar10 | folder (data.root)")
    sigma: Annotated[float, Range(0, lo_open=True)] = opt(1.0, "Gaussian blur before the gradients, px")
    low: Annotated[float, Range(0, 1, lo_open=True, hi_open=True)] = opt(
        0.1, "hysteresis low threshold, a fraction of each image's largest gradient")
    high: Annotated[float, Range(0, 1, lo_open=True, hi_open=True)] = opt(0.2, "hysteresis high threshold")


@dataclass
class ClassDomains:
    """data.dataset = "classes": unpaired domains made of two classes of a labelled dataset."""

    of: Literal["fashion-mnist", "mnist", "cifar10"] = opt("fashion-mnist", "the labelled dataset")
    a: Annotated[int, Range(0, 9)] = opt(7, "the class of domain A (fashion-mnist 7: sneaker)")
    b: Annotated[int, Range(0, 9)] = opt(9, "the class of domain B (fashion-mnist 9: ankle boot)")


@dataclass
class SuperResOptions:
    """data.dataset = "superres": high-resolution photos (data.root, or the installed photo set)
    cut into random HR crops, each with its bicubic-downscaled LR version."""

    scale: PositiveInt = opt(4, "LR = HR downscaled by this (bicubic, antialiased)")
    crop: PositiveInt = opt(96, "HR training crop, pixels a side (a multiple of scale)")
    test_crop: PositiveInt = opt(384, "HR test crop from the centre of each held-out photo")
    max_side: PositiveInt = opt(1536, "photos are first shrunk (antialiased) to this longest side")
    crops_per_photo: PositiveInt = opt(100, "random crops per photo in an epoch")


@dataclass
class DataConfig:
    """Where the real examples come from and how they are shaped."""

    dataset: Literal[DATASETS] = opt(
        "fashion-mnist", "the dataset (folder: images under data.root; paired: A|B images or A/ B/ "
        "folders; unpaired: trainA/ trainB/ folders; classes: two classes of a labelled dataset as two "
        "domains)")
    root: str = opt("", "a directory to read from; \"\" follows the dataset's lookup order")
    split: Literal["train", "test", "val"] = opt("train", "the split trained on")
    test_split: Literal["test", "val"] = opt("test", "translation: the held-out split of the "
                                             "progress pictures and of gankit eval")
    held_out: Annotated[float, Range(0, 1, hi_open=True)] = opt(
        0.0, "folder datasets without split folders: the fraction held out as the test split "
        "(chosen by a hash of each file name)")
    layout: Literal["auto", "aligned", "folders"] = opt(
        "auto", "paired: A|B side by side in each file, or A/ and B/ folders matched by name")
    direction: Literal["AtoB", "BtoA"] = opt("AtoB", "paired: which side is the input")
    load_size: NonNegativeInt = opt(0, "translation: resize to this, then crop image_size at a "
                                    "random place (jitter; 0: no crop)")
    flip: bool = opt(False, "translation: flip training pairs left-right at random")
    glyphs: GlyphOptions = field(default_factory=lambda: GlyphOptions())
    edges: EdgeOptions = field(default_factory=lambda: EdgeOptions())
    classes: ClassDomains = field(default_factory=lambda: ClassDomains())
    superres: SuperResOptions = field(default_factory=lambda: SuperResOptions())
    image_size: PositiveInt = opt(32, "images are resized to this many pixels a side")
    channels: Literal[0, 1, 3] = opt(0, "0 keeps the dataset's own; 1 or 3 converts")
    num_workers: NonNegativeInt = opt(0, "loader processes for folder datasets")
    toy_samples: PositiveInt = opt(100_000, "size of a 2-D toy training set")
    labels_per_class: NonNegativeInt = opt(
        0, "semi-supervised recipes: labelled training examples per class")
    subset: NonNegativeInt = opt(0, "train on this many training examples only, a random subset "
                                 "fixed by data.subset_seed (limited-data experiments; 0: all)")
    subset_seed: NonNegativeInt = opt(0, "the seed of data.subset's choice (the same for every run seed)")


@dataclass
class OptimConfig:
    """The optimizer of every group the recipe declares (G, D, ...)."""

    name: Literal["adam", "rmsprop"] = opt("adam", "adam (fused kernel) or rmsprop")
    lr: dict[str, PositiveFloat] = opt({}, "learning rate per optimizer group, e.g. {G = 2e-4, D = 2e-4}")
    beta1: Annotated[float, Range(0, 1, hi_open=True)] = opt(0.5, "Adam beta1")
    beta2: Annotated[float, Range(0, 1, hi_open=True)] = opt(0.999, "Adam beta2")
    rmsprop_alpha: Annotated[float, Range(0, 1, hi_open=True)] = opt(0.99, "RMSProp smoothing")


EVAL_METRICS = ("fid", "kid", "is", "pr", "dc")


@dataclass
class TrainConfig:
    """The loop: length, batch, schedule of logs, samples and checkpoints, runtime."""

    steps: PositiveInt = opt(3000, "total training steps")
    batch_size: PositiveInt = opt(64, "examples per step over all processes")
    seed: Annotated[int, Range(0, MAX_SEED)] = opt(0, "seed of init, data order and noise")
    device: Literal["auto", "cpu", "cuda"] = opt("auto", "where to train")
    ema_decay: Annotated[float, Range(0, 1, hi_open=True)] = opt(
        0.0, "EMA decay d of the recipe's EMA nets (0: off); step t uses min(d, (1+t)/(10+t))")
    lr_decay_start: Annotated[float, Fraction] = opt(
        1.0, "fraction of steps after which every LR decays linearly to 0")
    log_every: PositiveInt = opt(50, "steps between logged scalars")
    sample_every: PositiveInt = opt(500, "steps between progress pictures")
    checkpoint_every: PositiveInt = opt(1000, "steps between checkpoints")
    keep_checkpoints: PositiveInt = opt(2, "newest checkpoints kept")
    grid_size: PositiveInt = opt(64, "examples in each progress picture")
    tensorboard: bool = opt(True, "write TensorBoard events")
    eval_every: NonNegativeInt = opt(0, "steps between image metrics during training (0: off)")
    eval_n: Annotated[int, Range(2)] = opt(2000, "samples per in-training evaluation")
    eval_metrics: list[Literal[EVAL_METRICS]] = opt(["fid"], "in-training metrics: fid, kid, is, pr, dc")
    eval_features: Literal["auto", "inception", "fmnist"] = opt(
        "auto", "auto (fmnist for Fashion-MNIST, else inception) | inception | fmnist")
    precision: Literal["auto", "fp32", "bf16", "fp16"] = opt(
        "auto", "autocast precision (fp16 with a grad scaler, CUDA only)")
    channels_last: Literal["auto", "true", "false"] = opt("auto", "NHWC memory layout for conv nets")
    compile: Literal["auto", "true", "false"] = opt("auto", "torch.compile the nets")
    compile_mode: Literal["default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs"] = opt(
        "default", "torch.compile mode (reduce-overhead: CUDA graphs)")
    backend: Literal["auto", "gloo", "nccl"] = opt("auto", "torchrun: nccl on CUDA, gloo on CPU")
    sync_batchnorm: bool = opt(False, "torchrun on CUDA: batch statistics over every rank")


@dataclass
class RunConfig:
    """Everything a run needs; saved as RUN/config.toml. `options` is the recipe's own
    section (written as `[<recipe>]`), `nets` one options section per net role."""

    description: str = ""
    recipe: str = "gan"
    data: DataConfig = field(default_factory=DataConfig)
    nets: dict[str, Any] = field(default_factory=dict)
    options: Any = None
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
