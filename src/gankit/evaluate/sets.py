"""`gankit eval --real X --fake Y`: metrics of two sets of images, as torch-fidelity and
clean-fid score folders. A set is a folder of images, an .npz with 'images' (uint8
N×H×W×C, what `gankit sample --out` writes) or a dataset name (its test split;
NAME:train for the training split)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from gankit.data.folder import list_images
from gankit.data.mnist import IDX_DATASETS
from gankit.errors import GankitError
from gankit.evaluate.images import (
    NATIVE_SIZE,
    ImageEvalOptions,
    make_extractor,
    metric_names,
    reference_images,
    score,
)

DATASETS = (*IDX_DATASETS, "cifar10")


def _folder(path: Path, size: int | None) -> np.ndarray:
    files = list_images(path)
    arrays, first = [], None
    for file in files:
        try:
            with Image.open(file) as image:
                image = image.convert("L" if image.mode in ("L", "1", "I;16", "I") else "RGB")
                if size or first is None or image.size != first:
                    target = (size, size) if size else image.size
                    image = image.resize(target, Image.Resampling.BICUBIC) if image.size != target else image
                    first = first or image.size
                arrays.append(np.asarray(image, dtype=np.uint8))
        except (UnidentifiedImageError, OSError, ValueError) as err:
            raise GankitError(f"{file}: unreadable image ({err})") from None
    if len({a.shape for a in arrays}) > 1:
        raise GankitError(f"{path}: images differ in size or channels; give --image-size S to resize "
                          "them all (and convert colour ones, or keep one kind per folder)")
    stacked = np.stack(arrays)
    return stacked[:, None] if stacked.ndim == 3 else stacked.transpose(0, 3, 1, 2)


def _npz(path: Path) -> np.ndarray:
    try:
        with np.load(path, allow_pickle=False) as data:
            if "images" not in data:
                raise GankitError(f"{path}: no 'images' array in it (it has {', '.join(data.files)})")
            images = data["images"]
    except (OSError, ValueError) as err:
        raise GankitError(f"{path}: unreadable .npz ({err})") from None
    if images.dtype != np.uint8 or images.ndim != 4:
        raise GankitError(f"{path}: 'images' must be uint8 N×H×W×C, got {images.dtype} {images.shape}")
    return images.transpose(0, 3, 1, 2)


def read_image_set(spec: str, n: int, image_size: int | None = None,
                   root: str = "") -> tuple[np.ndarray, str]:
    """(uint8 NCHW images, a label saying what they are) of a set named by `spec`."""
    name, _, split = spec.partition(":")
    if name in DATASETS and not Path(spec).exists():
        from gankit.config import DataConfig

        data = DataConfig(dataset=name, root=root, image_size=image_size or NATIVE_SIZE[name])
        return reference_images(data, n, split or "test")
    path = Path(spec)
    if path.is_dir():
        images = _folder(path, image_size)
    elif path.suffix == ".npz" and path.is_file():
        images = _npz(path)
    else:
        raise GankitError(f"{spec}: not a folder of images, an .npz or a dataset ({', '.join(DATASETS)})")
    return images[:n], f"{spec} ({min(n, len(images))} of {len(images)} images)"


def evaluate_sets(real: str, fake: str, opts: ImageEvalOptions, image_size: int | None = None,
                  root: str = "") -> dict[str, Any]:
    """The metrics of set `fake` against set `real` (at most `opts.n` images of each)."""
    from gankit.metrics.reference import reference_features

    real_images, real_name = read_image_set(real, opts.n, image_size, root)
    fake_images, fake_name = read_image_set(fake, opts.n, image_size, root)
    dataset = real.partition(":")[0] if real.partition(":")[0] in DATASETS else "folder"
    extract = make_extractor(opts, dataset)
    for images, name in ((real_images, real_name), (fake_images, fake_name)):
        check_features_fit(extract.name, images.shape[1], name)
    feats_real = reference_features(real_images, extract, opts.batch_size, opts.progress, opts.use_cache)
    feats_fake = extract.extract(fake_images, opts.batch_size, opts.progress)
    return score(metric_names(opts, extract), feats_real, feats_fake, extract, opts, "image_sets",
                 real_name, compared=fake_name)


def check_features_fit(features: str, channels: int, what: str) -> None:
    """Refuse colour images for the grayscale Fashion-MNIST features, in one line."""
    if features == "fmnist" and channels != 1:
        raise GankitError(f"{what}: {channels}-channel images; the fmnist features are of grayscale "
                          "Fashion-MNIST images: use --features inception")
