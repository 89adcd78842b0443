"""Exports beyond PyTorch: a run's generator or translator as ONNX or TorchScript, with a
dynamic batch size, checked against PyTorch's own outputs before it is kept, and its
input/output convention written beside it (FILE.json)."""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from gankit.errors import GankitError

FORMATS = {"onnx": ".onnx", "torchscript": ".torchscript.pt"}
TOLERANCE = 1e-4  # largest |exported - PyTorch| accepted on outputs in [-1, 1]
CHECK_BATCHES = (1, 3)  # batch sizes the check runs (the export is traced with 2)


def _module_and_inputs(loaded: Any) -> tuple[nn.Module, dict[str, torch.Tensor], dict[str, Any]]:
    """The net to export, example inputs by name (batch 2) and the convention to write."""
    from gankit.inference.sampler import Sampler
    from gankit.inference.translator import Translator

    if isinstance(loaded, Sampler):
        inputs = {"z": torch.randn(2, loaded.latent_dim)}
        meaning = {"z": f"float32 (N, {loaded.latent_dim}), drawn from N(0, I)"}
        if loaded.conditional:
            inputs["label"] = torch.tensor([0, loaded.num_classes - 1])
            meaning["label"] = f"int64 (N,), a class in 0..{loaded.num_classes - 1}"
        shape = ", ".join(map(str, loaded.output_shape))
        out = ("float32 (N, 2): 2-D points" if loaded.points
               else f"float32 (N, {shape}): images in [-1, 1] (x * 127.5 + 127.5 for 8 bits)")
        return loaded.generator, inputs, {"kind": "sampler", "inputs": meaning, "output": out}
    if isinstance(loaded, Translator):
        shape = tuple(loaded.source_shape)
        inputs = {"image": torch.rand(2, *shape) * 2 - 1}
        meaning = {"image": f"float32 (N, {', '.join(map(str, shape))}), pixels in [-1, 1]"}
        if loaded.latent_dim:
            inputs["z"] = torch.randn(2, loaded.latent_dim)
            meaning["z"] = f"float32 (N, {loaded.latent_dim}), drawn from N(0, I)"
        if loaded.num_styles is not None:
            inputs["style"] = torch.tensor([0, loaded.num_styles - 1])
            meaning["style"] = f"int64 (N,), a style id in 0..{loaded.num_styles - 1}"
        target = ", ".join(map(str, loaded.target_shape))
        return loaded.net, inputs, {"kind": "translator", "inputs": meaning,
                                    "output": f"float32 (N, {target}): pixels in [-1, 1]",
                                    "test_mode": "eval (deterministic: dropout off, batch-norm "
                                                 "running statistics)"}
    raise GankitError("only samplers and translators can be exported as ONNX or TorchScript")


def _save_onnx(net: nn.Module, inputs: dict[str, torch.Tensor], path: Path) -> None:
    import logging
    import warnings

    batch = torch.export.Dim("batch", min=1)
    shapes = tuple({0: batch} for _ in inputs)
    quiet = logging.getLogger("torch.onnx")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # "torchvision is not installed" for operators we never use
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():  # its passes, on stdout
            warnings.simplefilter("ignore", FutureWarning)
            program = torch.onnx.export(net, tuple(inputs.values()), input_names=list(inputs),
                                        output_names=["output"], dynamic_shapes=shapes, dynamo=True)
    finally:
        quiet.setLevel(level)
    program.save(str(path))


def _run_onnx(path: Path, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
    try:
        import onnxruntime
    except ImportError:
        raise GankitError("checking an ONNX export needs onnxruntime (pip install onnxruntime)") from None
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    return torch.from_numpy(session.run(None, {n: inputs[n].numpy() for n in names})[0])


def _save_torchscript(net: nn.Module, inputs: dict[str, torch.Tensor], path: Path) -> None:
    """Traced (shape checks become constants: the check below runs other batch sizes)."""
    import warnings

    with warnings.catch_warnings():  # TorchScript is deprecated in favour of torch.export
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        traced = torch.jit.trace(net, tuple(inputs.values()), check_trace=False)
        torch.jit.save(traced, str(path))


def _run_torchscript(path: Path, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return torch.jit.load(str(path), map_location="cpu")(*inputs.values())


def _examples(inputs: dict[str, torch.Tensor], n: int, seed: int) -> dict[str, torch.Tensor]:
    """Inputs of batch `n` like `inputs` (random values of the same kind)."""
    rng = torch.Generator().manual_seed(seed)
    out = {}
    for name, value in inputs.items():
        if value.dtype == torch.int64:
            out[name] = torch.randint(int(value.max()) + 1, (n,), generator=rng)
        elif name == "image":
            out[name] = torch.rand(n, *value.shape[1:], generator=rng) * 2 - 1
        else:
            out[name] = torch.randn(n, *value.shape[1:], generator=rng)
    return out


def export_deployable(run: str | Path, fmt: str, out: str | Path | None = None, model: str | None = None,
                      ema: bool = True) -> tuple[Path, dict[str, Any]]:
    """Write model `model` of `run` (a run or an export) as `fmt` (onnx | torchscript) to
    `out` (default RUN/deploy/NAME.onnx or .torchscript.pt) and its convention to OUT.json;
    the file is kept only if its outputs match PyTorch's within TOLERANCE at CHECK_BATCHES."""
    from gankit.inference import load
    from gankit.inference.folder import ModelFolder
    from gankit.io import prepare_parent, write_text

    if fmt not in FORMATS:
        raise GankitError(f"--format {fmt}: choose from {', '.join(FORMATS)}, or safetensors (the default)")
    folder = ModelFolder.open(run)
    name, _ = folder.model(model or next(iter(folder.index["models"])))
    net, inputs, convention = _module_and_inputs(load(run, model=name, ema=ema))
    net = net.cpu().eval()
    path = Path(out) if out else Path(run) / "deploy" / f"{name}{FORMATS[fmt]}"
    prepare_parent(path)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    save, execute = (_save_onnx, _run_onnx) if fmt == "onnx" else (_save_torchscript, _run_torchscript)
    try:
        with torch.no_grad():
            save(net, inputs, tmp)
            worst = 0.0
            for i, n in enumerate(CHECK_BATCHES):
                example = _examples(inputs, n, seed=i)
                expected = net(*example.values()).float()
                got = execute(tmp, example).float()
                if got.shape != expected.shape:
                    raise GankitError(f"the {fmt} export gives shape {tuple(got.shape)} at batch {n}, "
                                      f"PyTorch {tuple(expected.shape)}")
                worst = max(worst, float((got - expected).abs().max()))
        if worst > TOLERANCE:
            raise GankitError(f"the {fmt} export differs from PyTorch by up to {worst:.2e} "
                              f"(> {TOLERANCE:g}); not written")
        os.replace(tmp, path)
    except GankitError:
        tmp.unlink(missing_ok=True)
        raise
    except Exception as err:  # an exporter's failure on an operator it cannot express
        tmp.unlink(missing_ok=True)
        first = str(err).strip().splitlines()[0][:200] if str(err).strip() else type(err).__name__
        raise GankitError(f"exporting model {name} as {fmt} failed: {first}") from None
    from gankit import __version__

    record = {"format": fmt, "file": path.name, "model": name, "source": str(Path(run).resolve()),
              "step": int(folder.index["step"]), "gankit": __version__, "torch": torch.__version__,
              **convention, "batch": "dynamic (the first dimension of every input and the output)",
              "checked": {"batch_sizes": list(CHECK_BATCHES), "max_abs_diff": worst,
                          "tolerance": TOLERANCE, "against": "the same net in PyTorch (float32, CPU)"}}
    write_text(path.with_name(path.name + ".json"), json.dumps(record, indent=1) + "\n")
    return path, record
