"""Hiera trunk: hierarchical vision transformer with windowed/global attention and q-pooling.

Input B×3×S×S normalised image; outputs one B×C_i×(S/s_i)×(S/s_i) feature map per stage
(strides 4, 8, 16, 32; channels embed_dim·2^i). Tokens are kept as B×H×W×C inside.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from segmentation.sam2.common import MLP
from segmentation.sam2.rope import attend


def _pool(x: Tensor, pool: nn.Module | None) -> Tensor:
    """Max-pool a B×H×W×C tensor spatially (identity when ``pool`` is None)."""
    if pool is None:
        return x
    return pool(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


def window_partition(x: Tensor, size: int) -> tuple[Tensor, tuple[int, int]]:
    """B×H×W×C → (B·nW)×size×size×C windows (zero padded); returns the padded size."""
    b, h, w, c = x.shape
    pad_h, pad_w = (size - h % size) % size, (size - w % size) % size
    if pad_h or pad_w:
        x = F.pad(x, (0, 0, 0, pad_w, 0, pad_h))
    hp, wp = h + pad_h, w + pad_w
    x = x.view(b, hp // size, size, wp // size, size, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(-1, size, size, c), (hp, wp)


def window_unpartition(x: Tensor, size: int, padded: tuple[int, int],
                       original: tuple[int, int]) -> Tensor:
    """Inverse of :func:`window_partition`, cropping the padding away."""
    hp, wp = padded
    b = x.shape[0] // ((hp // size) * (wp // size))
    x = x.view(b, hp // size, wp // size, size, size, -1).permute(0, 1, 3, 2, 4, 5)
    x = x.reshape(b, hp, wp, -1)
    return x[:, : original[0], : original[1]].contiguous()


class MultiScaleAttention(nn.Module):
    """Multi-head self-attention whose queries may be max-pooled (stage transitions)."""

    def __init__(self, dim: int, dim_out: int, num_heads: int, q_pool: nn.Module | None) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.q_pool = q_pool
        self.qkv = nn.Linear(dim, dim_out * 3)
        self.proj = nn.Linear(dim_out, dim_out)

    def forward(self, x: Tensor) -> Tensor:
        b, h, w, _ = x.shape
        qkv = self.qkv(x).reshape(b, h * w, 3, self.num_heads, -1)
        q, k, v = qkv.unbind(2)
        if self.q_pool is not None:
            q = _pool(q.reshape(b, h, w, -1), self.q_pool)
            h, w = q.shape[1:3]
            q = q.reshape(b, h * w, self.num_heads, -1)
        out = attend(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
        return self.proj(out.transpose(1, 2).reshape(b, h, w, -1))


class MultiScaleBlock(nn.Module):
    """Pre-norm transformer block; windowed when ``window_size`` > 0, global otherwise."""

    def __init__(self, dim: int, dim_out: int, num_heads: int, window_size: int,
                 q_stride: tuple[int, int] | None, mlp_ratio: float = 4.0) -> None:
        super().__init__()
        self.dim, self.dim_out = dim, dim_out
        self.window_size = window_size
        self.q_stride = q_stride
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.pool = nn.MaxPool2d(q_stride, q_stride, ceil_mode=False) if q_stride else None
        self.attn = MultiScaleAttention(dim, dim_out, num_heads, self.pool)
        self.norm2 = nn.LayerNorm(dim_out, eps=1e-6)
        self.mlp = MLP(dim_out, int(dim_out * mlp_ratio), dim_out, 2, activation=nn.GELU)
        if dim != dim_out:
            self.proj = nn.Linear(dim, dim_out)

    def forward(self, x: Tensor) -> Tensor:
        shortcut = x
        x = self.norm1(x)
        if self.dim != self.dim_out:
            shortcut = _pool(self.proj(x), self.pool)
        size = self.window_size
        h, w = x.shape[1:3]
        padded = (h, w)
        if size > 0:
            x, padded = window_partition(x, size)
        x = self.attn(x)
        if self.q_stride:
            size = self.window_size // self.q_stride[0]
            h, w = shortcut.shape[1:3]
            padded = (h + (size - h % size) % size, w + (size - w % size) % size) if size else (h, w)
        if self.window_size > 0:
            x = window_unpartition(x, size, padded, (h, w))
        x = shortcut + x
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    """7×7 stride-4 convolution: B×3×S×S → B×(S/4)×(S/4)×C."""

    def __init__(self, embed_dim: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(3, embed_dim, kernel_size=7, stride=4, padding=3)

    def forward(self, x: Tensor) -> Tensor:
        return self.proj(x).permute(0, 2, 3, 1)


def block_layout(hp: dict[str, Any]) -> list[dict[str, Any]]:
    """Per-block dim, dim_out, heads, window size (0 = global) and q_stride."""
    stages = hp["stages"]
    stage_ends = [sum(stages[: i + 1]) - 1 for i in range(len(stages))]
    q_pool_blocks = [e + 1 for e in stage_ends[:-1]][: hp["q_pool"]]
    dim, heads, stage = hp["embed_dim"], hp["num_heads"], 0
    blocks = []
    for i in range(sum(stages)):
        dim_out = dim
        window = 0 if i in hp["global_att_blocks"] else hp["window_spec"][stage]
        if i - 1 in stage_ends:
            dim_out = int(dim * hp["dim_mul"])
            heads = int(heads * hp["head_mul"])
            stage += 1
        q_stride = tuple(hp["q_stride"]) if i in q_pool_blocks else None
        blocks.append(dict(dim=dim, dim_out=dim_out, num_heads=heads, window_size=window,
                           q_stride=q_stride))
        dim = dim_out
    return blocks


class Hiera(nn.Module):
    """The trunk; built from ``hyperparameters["image_encoder"]["trunk"]``."""

    def __init__(self, hp: dict[str, Any]) -> None:
        super().__init__()
        embed_dim = hp["embed_dim"]
        stages = hp["stages"]
        self.stage_ends = [sum(stages[: i + 1]) - 1 for i in range(len(stages))]
        self.return_interm_layers = hp["return_interm_layers"]
        self.patch_embed = PatchEmbed(embed_dim)
        bkg = hp["window_pos_embed_bkg_spatial_size"]
        self.pos_embed = nn.Parameter(torch.zeros(1, embed_dim, *bkg))
        first = hp["window_spec"][0]
        self.pos_embed_window = nn.Parameter(torch.zeros(1, embed_dim, first, first))
        self.blocks = nn.ModuleList(MultiScaleBlock(**b) for b in block_layout(hp))

    def _pos_embed(self, h: int, w: int) -> Tensor:
        """Background embedding resized (bicubic) to h×w plus the tiled window embedding."""
        pos = F.interpolate(self.pos_embed, size=(h, w), mode="bicubic")
        win = self.pos_embed_window
        pos = pos + win.tile([1, 1, h // win.shape[2], w // win.shape[3]])
        return pos.permute(0, 2, 3, 1)

    def forward(self, x: Tensor) -> list[Tensor]:
        """B×3×S×S → list of B×C×H×W maps, highest resolution first."""
        x = self.patch_embed(x)
        x = x + self._pos_embed(x.shape[1], x.shape[2])
        outputs = []
        for i, block in enumerate(self.blocks):
            x = block(x)
            last = i == self.stage_ends[-1]
            if last or (i in self.stage_ends and self.return_interm_layers):
                outputs.append(x.permute(0, 3, 1, 2))
        return outputs
