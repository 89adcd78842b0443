"""torchrun processes and PyTorch's DistributedDataParallel, used as they are.

A run launched by `torchrun` joins the process group that torchrun's environment describes
(gloo on CPU, NCCL on CUDA); every net is wrapped in DDP, so gradients are averaged over
ranks by PyTorch itself. Rank 0 alone writes files. Nothing here replaces torch.distributed:
these are the few helpers the trainer and the evaluation need around it.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from gankit.errors import GankitError


@dataclasses.dataclass(frozen=True)
class World:
    """This process's place among the run's processes (rank 0 of 1 without torchrun)."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1


def launched_by_torchrun() -> bool:
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def current_world() -> World:
    """The world of an initialised process group, else a single process."""
    if dist.is_available() and dist.is_initialized():
        return World(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", 0)))
    return World()


def pick_backend(requested: str, device_type: str) -> str:
    """gloo on CPU, NCCL on CUDA for `auto`; refuses NCCL without CUDA."""
    if requested == "auto":
        return "nccl" if device_type == "cuda" else "gloo"
    if requested == "nccl" and device_type != "cuda":
        raise GankitError("train.backend: nccl needs CUDA devices; on CPU use gloo (or auto)")
    if requested == "nccl" and not dist.is_nccl_available():
        raise GankitError("train.backend: this PyTorch build has no NCCL; use gloo")
    return requested


def init_world(backend: str, device_type: str) -> World:
    """Join torchrun's process group (a no-op for a single process)."""
    if dist.is_available() and dist.is_initialized():
        return current_world()
    if not launched_by_torchrun() or int(os.environ["WORLD_SIZE"]) == 1:
        return World()
    if not dist.is_available():
        raise GankitError("torchrun launched gankit, but this PyTorch build has no torch.distributed")
    backend = pick_backend(backend, device_type)
    world = World(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]),
                  int(os.environ.get("LOCAL_RANK", 0)))
    if backend == "nccl":
        torch.cuda.set_device(world.local_rank)
    dist.init_process_group(backend)
    return world


def close_world() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def rank_seed(seed: int, rank: int) -> int:
    """The seed of rank `rank`: the run seed itself on rank 0 (so a one-process run is the
    same run with or without torchrun), an independent stream derived from it elsewhere."""
    if rank == 0:
        return seed
    return int(np.random.SeedSequence([seed, rank]).generate_state(1, np.uint32)[0])


class _MethodCall(nn.Module):
    """Lets DDP run any method of `net` (forward, features) through its own forward."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if method == "forward":
            return self.net(*args, **kwargs)
        return getattr(self.net, method)(*args, **kwargs)


class DistributedNet:
    """A net trained under DDP: calling it, and its `features`, run through
    DistributedDataParallel (so its gradients are averaged across ranks); every other
    attribute (parameters, state_dict, train/eval, latent_dim...) is the net's own."""

    routed = frozenset({"features"})

    def __init__(self, net: nn.Module, device: torch.device) -> None:
        ids = [device.index if device.index is not None else torch.cuda.current_device()] \
            if device.type == "cuda" else None
        self.__dict__["module"] = net
        self.__dict__["ddp"] = DistributedDataParallel(_MethodCall(net), device_ids=ids)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.ddp("forward", *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name in self.routed:
            return functools.partial(self.ddp, name)
        return getattr(self.module, name)


def unwrap(net: Any) -> nn.Module:
    """The plain nn.Module inside torch.compile and DistributedNet wrappers."""
    while True:
        if isinstance(net, DistributedNet):
            net = net.module
        elif hasattr(net, "_orig_mod"):  # torch.compile's OptimizedModule
            net = net._orig_mod
        else:
            return net


def all_mean(values: torch.Tensor) -> torch.Tensor:
    """The mean of a tensor over ranks (itself for one process)."""
    if not current_world().distributed:
        return values
    values = values.clone()
    dist.all_reduce(values)
    return values / dist.get_world_size()


def any_rank(flag: bool, device: torch.device) -> bool:
    """True on every rank when `flag` is true on at least one."""
    if not current_world().distributed:
        return flag
    value = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())


def gather_objects(obj: Any) -> list[Any]:
    """One object per rank, in rank order, on every rank ([obj] for one process)."""
    if not current_world().distributed:
        return [obj]
    out: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(out, obj)
    return out


def gather_rows(rows: np.ndarray) -> np.ndarray:
    """Concatenate each rank's rows in rank order (rank 0's own rows for one process)."""
    parts = gather_objects(rows)
    return np.concatenate(parts) if len(parts) > 1 else rows


def shard(n: int, world: World) -> slice:
    """Rank `world.rank`'s contiguous share of `n` items (sizes differ by at most one)."""
    start = world.rank * n // world.size
    return slice(start, (world.rank + 1) * n // world.size)


def broadcast_buffers(net: nn.Module) -> None:
    """Give every rank rank 0's buffers (batch-norm running statistics, which each rank
    otherwise updates from its own batches)."""
    if current_world().distributed:
        for buffer in net.buffers():
            dist.broadcast(buffer, 0)


def barrier() -> None:
    if current_world().distributed:
        dist.barrier()


def join_eval_world() -> World:
    """Under torchrun, join a gloo group so each rank embeds its share of the samples."""
    return init_world("gloo", "cpu") if launched_by_torchrun() else World()
