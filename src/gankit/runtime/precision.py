"""Mixed precision: where autocast runs, and how losses become weight updates.

Forward passes run under autocast (bf16 on CPU or CUDA, fp16 on CUDA); backward passes and
optimizer steps run outside it. fp16 scales each loss by a GradScaler before backward, and a
gradient penalty's inner gradient is taken of a scaled output and unscaled again
(`grad_scale`), so its double backward sees the same numbers as in fp32.
"""

from __future__ import annotations

import contextlib

import torch

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


class Precision:
    """fp32, bf16 or fp16 training on `device`."""

    def __init__(self, name: str = "fp32", device: torch.device | str = "cpu") -> None:
        self.name, self.device = name, torch.device(device)
        self.dtype = DTYPES.get(name)
        self.scaler = torch.amp.GradScaler(self.device.type) if name == "fp16" else None

    def autocast(self) -> contextlib.AbstractContextManager:
        """The context forward passes run in (a no-op for fp32)."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.dtype)

    @property
    def grad_scale(self) -> torch.Tensor | float:
        """Factor to scale an output by before an inner autograd.grad (1 unless fp16): the
        scaler's current scale as a device tensor (get_scale() would wait for the GPU)."""
        if self.scaler is None:
            return 1.0
        return self.scaler.scale(torch.ones((), device=self.device))

    def step(self, loss: torch.Tensor,
             optimizers: torch.optim.Optimizer | list[torch.optim.Optimizer]) -> None:
        """zero_grad, one backward (outside autocast, scaled for fp16), a step of each optimizer."""
        if isinstance(optimizers, torch.optim.Optimizer):
            optimizers = [optimizers]
        for optimizer in optimizers:
            optimizer.zero_grad(set_to_none=True)
        with torch.autocast(self.device.type, enabled=False):
            if self.scaler is None:
                loss.backward()
                for optimizer in optimizers:
                    optimizer.step()
                return
            self.scaler.scale(loss).backward()
        for optimizer in optimizers:
            self.scaler.step(optimizer)  # skipped when the gradients hold inf/NaN
        self.scaler.update()

    def state_dict(self) -> dict:
        return {"scaler": self.scaler.state_dict()} if self.scaler is not None else {}

    def load_state_dict(self, state: dict) -> None:
        if self.scaler is not None and state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
