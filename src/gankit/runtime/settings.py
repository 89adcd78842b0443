"""Turn the train section's device, precision, layout, compile and torchrun settings into
what the trainer uses, refusing impossible combinations before anything trains."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import shutil

import torch

from gankit.config import RunConfig
from gankit.errors import GankitError
from gankit.runtime.distributed import World, init_world, pick_backend

CUDA_GRAPH_MODES = ("reduce-overhead", "max-autotune")  # torch.compile modes that replay CUDA graphs


@dataclasses.dataclass(frozen=True)
class Runtime:
    """Where and how this process trains."""

    device: torch.device
    precision: str  # fp32 | bf16 | fp16
    channels_last: bool
    compile: bool
    world: World
    compile_mode: str = "default"
    chosen: tuple[str, ...] = ()  # settings picked by "auto", for the log line
    notes: tuple[str, ...] = ()  # advice about the settings asked for

    @property
    def cuda_graphs(self) -> bool:
        """Whether the compiled nets replay CUDA graphs (compile modes that use them, on CUDA)."""
        return (self.compile and self.device.type == "cuda"
                and self.compile_mode in CUDA_GRAPH_MODES)

    def line(self) -> str:
        ranks = f", {self.world.size} processes" if self.world.distributed else ""
        auto = f" (auto: {', '.join(self.chosen)})" if self.chosen else ""
        notes = "".join(f"; note: {n}" for n in self.notes)
        return (f"runtime: {self.device}{ranks}, {self.precision}, channels_last "
                f"{'on' if self.channels_last else 'off'}, compile {'on' if self.compile else 'off'}"
                f"{auto}{notes}")


def join_world(cfg: RunConfig) -> World:
    """Join torchrun's process group for this config's device (one process: World())."""
    t = cfg.train
    cuda = t.device == "cuda" or (t.device == "auto" and torch.cuda.is_available())
    return init_world(t.backend, "cuda" if cuda else "cpu")


def resolve_device(name: str, world: World) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise GankitError("train.device: cuda requested but no CUDA device is available")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        if world.distributed and world.local_rank >= torch.cuda.device_count():
            raise GankitError(f"torchrun started more processes on this node than it has CUDA devices "
                              f"({torch.cuda.device_count()}); set --nproc_per_node to at most that")
        return torch.device("cuda", world.local_rank if world.distributed else torch.cuda.current_device())
    return torch.device(name)


def cpu_has_bf16() -> bool:
    """Whether oneDNN has native bf16 kernels on this CPU (AVX512-BF16 or AMX)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def compiler_missing(device: torch.device) -> str | None:
    """Why torch.compile's default (inductor) backend cannot run here, or None."""
    if device.type == "cuda":
        return None if importlib.util.find_spec("triton") else "inductor on CUDA needs triton"
    compiler = os.environ.get("CXX", "g++")
    if shutil.which(compiler) or shutil.which("c++") or shutil.which("clang++"):
        return None
    return f"inductor on CPU needs a C++ compiler ({compiler} is not on PATH)"


def _auto_precision(cuda: bool, compiled: bool, conv: bool) -> tuple[str, str]:
    """(precision, why) for train.precision = "auto"."""
    if cuda:
        # on an H100 eager DCGAN steps are launch-bound and bf16's casts made them 0-15 %
        # slower than fp32 (TF32 convolutions); compiled, bf16 was faster
        return ("bf16" if compiled and torch.cuda.is_bf16_supported() else "fp32"), ""
    if not conv:
        return "fp32", ""  # 2-D toys and MLPs: bf16's 8-bit mantissa blurs the coordinates
    from gankit.runtime.cpu_probe import bf16_pays

    pays, speedup = bf16_pays()  # measured on this CPU, cached
    return ("bf16" if pays else "fp32"), f" (bf16 {speedup:.2f}x fp32 on this CPU)"


def resolve_runtime(cfg: RunConfig, world: World, double_backward: bool = False) -> Runtime:
    """The device, precision, layout and compile settings for `cfg` on this machine
    (`double_backward`: the recipe takes gradients of gradients, which compile cannot)."""
    t = cfg.train
    device = resolve_device(t.device, world)
    cuda, chosen = device.type == "cuda", []
    if world.distributed and t.batch_size % world.size:
        raise GankitError(f"train.batch_size {t.batch_size} is the batch over all ranks and must "
                          f"divide evenly across the {world.size} processes torchrun started")
    compile_nets = t.compile == "true"
    precision = t.precision
    conv = all(getattr(o, "convolutional", True) for o in cfg.nets.values())
    if precision == "auto":
        precision, why = _auto_precision(cuda, compile_nets, conv)
        chosen.append(f"precision {precision}{why}")
    if t.compile == "auto":
        compile_nets = False  # compiling costs minutes up front; switch on for long runs
        chosen.append("compile off")
    if precision == "fp16" and not cuda:
        raise GankitError("train.precision: fp16 (with a gradient scaler) needs CUDA; on CPU use "
                          "bf16 or fp32")
    if precision == "bf16" and cuda and not torch.cuda.is_bf16_supported():
        raise GankitError(f"train.precision: {torch.cuda.get_device_name(device)} has no bf16 "
                          "support; use fp16 or fp32")
    notes = []
    if precision == "bf16" and not cuda and not cpu_has_bf16():
        notes.append("this CPU has no bf16 units; bf16 autocast ran DCGAN 25x slower than "
                     "fp32 on such a CPU (docs/results/throughput.md)")
    # measured on an H100 with PyTorch 2.11: compiled conv backward in channels-last fails
    # (convolution_backward stride mismatch), in the plain loop of the benchmark too
    compiled_cuda = compile_nets and cuda
    channels_last = t.channels_last == "true"
    if t.channels_last == "auto":
        # measured on a 2-core CPU: 13 % more img/s for DCGAN-32, 7 % for DCGAN-64; on an
        # H100, eager, within noise of contiguous (docs/results/throughput.md)
        channels_last = any(getattr(o, "convolutional", True) for o in cfg.nets.values()) \
            and not compiled_cuda
        chosen.append(f"channels_last {'on' if channels_last else 'off'}")
    elif channels_last and compiled_cuda and conv:
        raise GankitError("train.channels_last: torch.compile on CUDA fails on channels-last conv "
                          "backward (seen with PyTorch 2.11); set train.channels_last = false or auto")
    if compile_nets:
        missing = compiler_missing(device)
        if missing:
            raise GankitError(f"train.compile: {missing}; install it or set train.compile = false")
        if double_backward:
            raise GankitError("train.compile: torch.compile cannot take the double backward of "
                              "gradient penalties (gradient_penalty, r1); set train.compile = false")
    pick_backend(t.backend, device.type)  # refuses nccl without CUDA, also for one process
    if t.sync_batchnorm and not (world.distributed and cuda):
        raise GankitError("train.sync_batchnorm: PyTorch's SyncBatchNorm runs only on CUDA under "
                          "torchrun; set it to false")
    return Runtime(device, precision, channels_last, compile_nets, world, t.compile_mode, tuple(chosen),
                   tuple(notes))
