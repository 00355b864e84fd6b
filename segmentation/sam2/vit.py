"""Plain ViT trunk of EfficientTAM (ViTDet style): patch 16, windowed and global blocks.

Input B×3×S×S normalised image → one B×embed_dim×(S/16)×(S/16) map (the last block's output).
An absolute position embedding learnt at ``pretrain_img_size`` (a 14×14 grid plus a class-token
row, which is dropped) is resized bicubically to the patch grid and added once after the patch
embedding. Windowed blocks zero-pad the token grid to a multiple of ``window_size`` (e.g. 32 →
42 for window 14), attend within windows and crop the padding; global blocks attend over all
tokens. Tokens are kept as B×H×W×C inside. Built from ``hyperparameters["image_encoder"]
["trunk"]`` (manifest schema, ``type: "ViT"``).
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from segmentation.sam2.common import MLP
from segmentation.sam2.hiera import window_partition, window_unpartition
from segmentation.sam2.rope import attend

#: LayerNorm epsilon of the ViT blocks (official default ``norm_layer``).
_LAYERNORM_EPS = 1e-6


class ViTAttention(nn.Module):
    """Multi-head self-attention over a B×H×W×C token grid (keys ``qkv``, ``proj``)."""

    def __init__(self, dim: int, num_heads: int, qkv_bias: bool) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: Tensor) -> Tensor:
        b, h, w, c = x.shape
        qkv = self.qkv(x).reshape(b, h * w, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4)
        out = attend(qkv[0], qkv[1], qkv[2])  # (B, heads, HW, C/heads)
        return self.proj(out.transpose(1, 2).reshape(b, h, w, c))


class ViTBlock(nn.Module):
    """Pre-norm transformer block; ``window_size`` 0 = global attention."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float, qkv_bias: bool,
                 window_size: int) -> None:
        super().__init__()
        self.window_size = window_size
        self.norm1 = nn.LayerNorm(dim, eps=_LAYERNORM_EPS)
        self.attn = ViTAttention(dim, num_heads, qkv_bias)
        self.norm2 = nn.LayerNorm(dim, eps=_LAYERNORM_EPS)
        self.mlp = MLP(dim, int(dim * mlp_ratio), dim, 2, activation=nn.GELU)

    def forward(self, x: Tensor) -> Tensor:
        """x: B×H×W×C → B×H×W×C."""
        shortcut = x
        x = self.norm1(x)
        if self.window_size > 0:
            h, w = x.shape[1], x.shape[2]
            windows, padded = window_partition(x, self.window_size)
            x = window_unpartition(self.attn(windows), self.window_size, padded, (h, w))
        else:
            x = self.attn(x)
        x = shortcut + x
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    """Non-overlapping patch projection (key ``proj``): B×3×S×S → B×(S/p)×(S/p)×C."""

    def __init__(self, patch_size: int, in_chans: int, embed_dim: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x: Tensor) -> Tensor:
        return self.proj(x).permute(0, 2, 3, 1)


def _check_supported(hp: dict[str, Any]) -> None:
    unsupported = {"use_rel_pos": False, "use_abs_pos": True, "init_values": None}
    for key, value in unsupported.items():
        if hp.get(key, value) != value:
            raise ValueError(f"ViT trunk: {key}={hp[key]!r} is not supported")


class ViT(nn.Module):
    """ViT trunk (keys ``pos_embed``, ``patch_embed``, ``blocks.<i>``); ``channel_list`` =
    [embed_dim]. ``forward`` returns a one-element list (the stride-16 map)."""

    def __init__(self, hp: dict[str, Any]) -> None:
        super().__init__()
        _check_supported(hp)
        dim, patch = int(hp["embed_dim"]), int(hp["patch_size"])
        grid = int(hp["pretrain_img_size"]) // patch
        self.has_cls_token = bool(hp["pretrain_use_cls_token"])
        self.pos_embed = nn.Parameter(torch.zeros(1, grid * grid + self.has_cls_token, dim))
        self.patch_embed = PatchEmbed(patch, int(hp["in_chans"]), dim)
        windowed = set(hp["window_block_indexes"])
        self.blocks = nn.ModuleList(
            ViTBlock(dim, int(hp["num_heads"]), float(hp["mlp_ratio"]), bool(hp["qkv_bias"]),
                     int(hp["window_size"]) if i in windowed else 0)
            for i in range(int(hp["depth"]))
        )
        self.channel_list = [dim]

    def position_embedding(self, h: int, w: int) -> Tensor:
        """1×h×w×C absolute position embedding for an h×w patch grid (bicubic resize)."""
        table = self.pos_embed[:, 1:] if self.has_cls_token else self.pos_embed
        side = math.isqrt(table.shape[1])
        grid = table.reshape(1, side, side, -1)
        if (side, side) != (h, w):
            grid = F.interpolate(grid.permute(0, 3, 1, 2), size=(h, w), mode="bicubic",
                                 align_corners=False).permute(0, 2, 3, 1)
        return grid

    def forward(self, x: Tensor) -> list[Tensor]:
        """B×3×S×S → [B×C×(S/16)×(S/16)]."""
        x = self.patch_embed(x)
        x = x + self.position_embedding(x.shape[1], x.shape[2])
        for block in self.blocks:
            x = block(x)
        return [x.permute(0, 3, 1, 2)]
