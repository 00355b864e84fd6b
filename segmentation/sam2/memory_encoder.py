"""SAM 2 memory encoder: fuses a frame's features with its predicted mask into a memory.

Pipeline: the mask (already scaled to logit-like values by the caller) is downsampled by a
stack of strided convolutions to the feature grid and added to a 1×1 projection of the frame
features; two ConvNeXt blocks fuse them; a 1×1 projection reduces to ``out_dim`` channels.
A sine position encoding of the output grid comes with it. Built from the manifest schema
``hyperparameters["memory_encoder"]``.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from segmentation.sam2.common import LayerNorm2d

#: LayerNorm2d epsilon used throughout the memory encoder (fixed in the official code).
_NORM_EPS = 1e-6
#: Hidden width multiplier of a ConvNeXt block's MLP (fixed in the official code).
_CX_MLP_RATIO = 4

_ACTIVATIONS = {"gelu": nn.GELU, "relu": nn.ReLU}


class MaskDownsampler(nn.Module):
    """Strided conv stack (channels ×stride² per step, LayerNorm2d, activation), then 1×1 conv.

    (B, 1, S, S) → (B, embed_dim, S/total_stride, S/total_stride). Keys ``encoder.<i>``.
    """

    def __init__(self, hp: dict[str, Any]) -> None:
        super().__init__()
        stride = int(hp["stride"])
        num_steps = round(math.log(int(hp["total_stride"])) / math.log(stride))
        if stride**num_steps != int(hp["total_stride"]):
            raise ValueError("total_stride must be a power of stride")
        activation = _ACTIVATIONS[hp.get("activation", "gelu")]
        layers: list[nn.Module] = []
        channels = 1
        for _ in range(num_steps):
            out_channels = channels * stride * stride
            layers += [
                nn.Conv2d(channels, out_channels, int(hp["kernel_size"]), stride,
                          int(hp["padding"])),
                LayerNorm2d(out_channels),
                activation(),
            ]
            channels = out_channels
        layers.append(nn.Conv2d(channels, int(hp["embed_dim"]), kernel_size=1))
        self.encoder = nn.Sequential(*layers)

    def forward(self, mask: Tensor) -> Tensor:
        return self.encoder(mask)


class ConvNeXtBlock(nn.Module):
    """Depth-wise conv → LayerNorm2d → MLP (×4, GELU) → layer scale, residual. (B,C,H,W)."""

    def __init__(self, hp: dict[str, Any]) -> None:
        super().__init__()
        dim = int(hp["dim"])
        groups = dim if hp.get("use_dwconv", True) else 1
        self.dwconv = nn.Conv2d(dim, dim, int(hp["kernel_size"]), padding=int(hp["padding"]),
                                groups=groups)
        self.norm = LayerNorm2d(dim)
        self.pwconv1 = nn.Linear(dim, _CX_MLP_RATIO * dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(_CX_MLP_RATIO * dim, dim)
        scale = float(hp.get("layer_scale_init_value", 1e-6))
        self.gamma = nn.Parameter(scale * torch.ones(dim)) if scale > 0 else None

    def forward(self, x: Tensor) -> Tensor:
        y = self.norm(self.dwconv(x)).permute(0, 2, 3, 1)
        y = self.pwconv2(self.act(self.pwconv1(y)))
        if self.gamma is not None:
            y = self.gamma * y
        return x + y.permute(0, 3, 1, 2)


class Fuser(nn.Module):
    """Optional 1×1 input projection, then ``num_layers`` ConvNeXt blocks (keys ``layers.<i>``)."""

    def __init__(self, hp: dict[str, Any]) -> None:
        super().__init__()
        self.proj: nn.Module = nn.Identity()
        if hp.get("input_projection", False):
            self.proj = nn.Conv2d(int(hp["dim"]), int(hp["dim"]), kernel_size=1)
        self.layers = nn.ModuleList(ConvNeXtBlock(hp["layer"]) for _ in range(hp["num_layers"]))

    def forward(self, x: Tensor) -> Tensor:
        x = self.proj(x)
        for layer in self.layers:
            x = layer(x)
        return x


def sine_position_encoding(
    batch: int, height: int, width: int, num_pos_feats: int, *, temperature: float = 10000.0,
    normalize: bool = True, scale: float | None = None, device: torch.device | str = "cpu",
) -> Tensor:
    """DETR-style 2-D sine encoding, (batch, num_pos_feats, height, width) float32.

    The first half of the channels encodes the row (y), the second half the column (x);
    positions count from 1 and are normalised to (0, 2π] when ``normalize``.
    """
    half = num_pos_feats // 2
    scale = 2 * math.pi if scale is None else scale
    y = torch.arange(1, height + 1, dtype=torch.float32, device=device)
    x = torch.arange(1, width + 1, dtype=torch.float32, device=device)
    if normalize:
        y = y / (y[-1:] + 1e-6) * scale
        x = x / (x[-1:] + 1e-6) * scale
    dim_t = torch.arange(half, dtype=torch.float32, device=device)
    dim_t = temperature ** (2 * (dim_t // 2) / half)

    def encode(values: Tensor) -> Tensor:
        angles = values[:, None] / dim_t
        return torch.stack((angles[:, 0::2].sin(), angles[:, 1::2].cos()), dim=2).flatten(1)

    pos_y = encode(y)[:, None, :].expand(height, width, half)
    pos_x = encode(x)[None, :, :].expand(height, width, half)
    pos = torch.cat((pos_y, pos_x), dim=2).permute(2, 0, 1)
    return pos[None].expand(batch, -1, -1, -1).contiguous()


class MemoryEncoder(nn.Module):
    """Keys ``mask_downsampler``, ``pix_feat_proj``, ``fuser``, ``out_proj``.

    ``forward(pix_feat, mask)``:
        pix_feat: (B, in_dim, H, W) raw top-level image features of the frame;
        mask: (B, 1, S, S) mask values already mapped for the encoder (SAM 2 feeds
            ``sigmoid(logit)·20 − 10`` or ``binary·20 − 10``; no sigmoid is applied here).
    Returns ``(features, pos)``: (B, out_dim, H, W) memory in the weights' dtype and its
    (B, out_dim, H, W) sine position encoding.
    """

    def __init__(self, hp: dict[str, Any]) -> None:
        super().__init__()
        in_dim, out_dim = int(hp["in_dim"]), int(hp["out_dim"])
        self.mask_downsampler = MaskDownsampler(hp["mask_downsampler"])
        self.pix_feat_proj = nn.Conv2d(in_dim, in_dim, kernel_size=1)
        self.fuser = Fuser(hp["fuser"])
        self.out_proj: nn.Module = nn.Identity()
        if out_dim != in_dim:
            self.out_proj = nn.Conv2d(in_dim, out_dim, kernel_size=1)
        self.pos_hp = dict(hp["position_encoding"])

    def position_encoding(self, batch: int, height: int, width: int,
                          device: torch.device | str) -> Tensor:
        """Sine encoding of the memory grid, (batch, out_dim, height, width) float32."""
        hp = self.pos_hp
        return sine_position_encoding(
            batch, height, width, int(hp["num_pos_feats"]),
            temperature=float(hp.get("temperature", 10000)),
            normalize=bool(hp.get("normalize", True)), scale=hp.get("scale"), device=device,
        )

    def forward(self, pix_feat: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        dtype = self.pix_feat_proj.weight.dtype  # inputs follow the weights' precision
        masks = self.mask_downsampler(mask.to(dtype))
        x = self.fuser(self.pix_feat_proj(pix_feat.to(dtype)) + masks)
        x = self.out_proj(x)
        pos = self.position_encoding(x.shape[0], x.shape[-2], x.shape[-1], x.device)
        return x, pos.to(x.dtype)


def build_memory_encoder(hp: dict[str, Any]) -> MemoryEncoder:
    """Memory encoder from the manifest sub-dict ``hyperparameters["memory_encoder"]``."""
    return MemoryEncoder(hp)


__all__ = ["MemoryEncoder", "build_memory_encoder", "sine_position_encoding", "LayerNorm2d"]
