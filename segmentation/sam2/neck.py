"""Necks of the image encoder (SAM 2's FPN, EfficientTAM's ViTDet neck) and their sine
position encoding.

FPN: trunk maps (highest resolution first) → d_model-channel maps at the same strides, with a
top-down nearest-neighbour pathway on ``fpn_top_down_levels``. ViTDet: one stride-16 map →
1×1 conv, LayerNorm2d, 3×3 conv, LayerNorm2d (no biases when normalised). Each level gets a
DETR sine position encoding (B×d_model×H×W).
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from segmentation.sam2.common import LayerNorm2d


class SinePositionEncoding(nn.Module):
    """2-D sine encoding: channels [y-half, x-half], positions 1..N normalised to (0, 2π]."""

    def __init__(self, num_pos_feats: int, temperature: float = 10000, normalize: bool = True,
                 scale: float | None = None) -> None:
        super().__init__()
        self.half = num_pos_feats // 2
        self.temperature = temperature
        self.normalize = normalize
        self.scale = 2 * math.pi if scale is None else scale

    def forward(self, x: Tensor) -> Tensor:
        """x: B×C×H×W (only its shape/device is used) → B×num_pos_feats×H×W float32."""
        b, _, h, w = x.shape
        y = torch.arange(1, h + 1, dtype=torch.float32, device=x.device)
        xs = torch.arange(1, w + 1, dtype=torch.float32, device=x.device)
        if self.normalize:
            y = y / (y[-1:] + 1e-6) * self.scale
            xs = xs / (xs[-1:] + 1e-6) * self.scale
        idx = torch.arange(self.half, dtype=torch.float32, device=x.device)
        dim_t = self.temperature ** (2 * torch.div(idx, 2, rounding_mode="floor") / self.half)
        py = y[:, None] / dim_t
        px = xs[:, None] / dim_t
        py = torch.stack((py[:, 0::2].sin(), py[:, 1::2].cos()), dim=2).flatten(1)
        px = torch.stack((px[:, 0::2].sin(), px[:, 1::2].cos()), dim=2).flatten(1)
        pos = torch.cat((py[:, None, :].expand(h, w, -1), px[None, :, :].expand(h, w, -1)), 2)
        return pos.permute(2, 0, 1).unsqueeze(0).expand(b, -1, -1, -1)


class _Lateral(nn.Module):
    def __init__(self, in_dim: int, d_model: int, hp: dict[str, Any]) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_dim, d_model, hp["kernel_size"], hp["stride"], hp["padding"])

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x)


class FpnNeck(nn.Module):
    """Built from ``hyperparameters["image_encoder"]["neck"]``."""

    def __init__(self, hp: dict[str, Any]) -> None:
        super().__init__()
        pe = hp["position_encoding"]
        self.position_encoding = SinePositionEncoding(pe["num_pos_feats"], pe["temperature"],
                                                      pe["normalize"], pe["scale"])
        d = hp["d_model"]
        self.convs = nn.ModuleList(_Lateral(c, d, hp) for c in hp["backbone_channel_list"])
        self.top_down_levels = list(hp["fpn_top_down_levels"])
        self.interp_mode = hp["fpn_interp_model"]
        self.average = hp["fuse_type"] == "avg"

    def forward(self, xs: list[Tensor]) -> tuple[list[Tensor], list[Tensor]]:
        """Trunk maps (stride 4 first) → (features, position encodings), stride 4 first."""
        n = len(self.convs) - 1
        out: list[Tensor] = [xs[0]] * (n + 1)
        pos: list[Tensor] = [xs[0]] * (n + 1)
        prev = None
        for i in range(n, -1, -1):
            lateral = self.convs[n - i](xs[i])
            if i in self.top_down_levels and prev is not None:
                top_down = F.interpolate(prev.float(), scale_factor=2.0, mode=self.interp_mode)
                prev = lateral + top_down.to(lateral.dtype)
                if self.average:
                    prev = prev / 2
            else:
                prev = lateral
            out[i] = prev
            pos[i] = self.position_encoding(prev).to(prev.dtype)
        return out, pos


class ViTDetNeck(nn.Module):
    """Built from ``hyperparameters["image_encoder"]["neck"]`` with ``type: "ViTDetNeck"``.

    Keys ``convs.<i>.conv_1x1``, ``norm_0``, ``conv_3x3``, ``norm_1`` (one entry per trunk
    level; EfficientTAM has one).
    """

    def __init__(self, hp: dict[str, Any]) -> None:
        super().__init__()
        pe = hp["position_encoding"]
        self.position_encoding = SinePositionEncoding(pe["num_pos_feats"], pe["temperature"],
                                                      pe["normalize"], pe["scale"])
        d = int(hp["d_model"])
        norm = hp.get("neck_norm")
        if norm not in (None, "LN"):
            raise ValueError(f"ViTDet neck: neck_norm={norm!r} is not supported")
        self.convs = nn.ModuleList()
        for dim in hp["backbone_channel_list"]:
            level = nn.Sequential()
            level.add_module("conv_1x1", nn.Conv2d(dim, d, 1, bias=norm is None))
            if norm is not None:
                level.add_module("norm_0", LayerNorm2d(d))
            level.add_module("conv_3x3", nn.Conv2d(d, d, 3, padding=1, bias=norm is None))
            if norm is not None:
                level.add_module("norm_1", LayerNorm2d(d))
            self.convs.append(level)

    def forward(self, xs: list[Tensor]) -> tuple[list[Tensor], list[Tensor]]:
        """[B×C_in×h×w] → ([B×d_model×h×w], [position encoding, same shape])."""
        out = self.convs[0](xs[0])
        return [out], [self.position_encoding(out).to(out.dtype)]


def build_neck(hp: dict[str, Any]) -> nn.Module:
    """The neck named by ``hp["type"]`` (FPN when absent, as in the SAM 2 manifests)."""
    kind = hp.get("type", "FpnNeck")
    if kind == "ViTDetNeck":
        return ViTDetNeck(hp)
    if kind == "FpnNeck":
        return FpnNeck(hp)
    raise ValueError(f"unknown neck type {kind!r}")


class ImageEncoder(nn.Module):
    """Trunk + neck; drops the ``scalp`` lowest-resolution levels (keys ``trunk``, ``neck``)."""

    def __init__(self, trunk: nn.Module, neck: nn.Module, scalp: int) -> None:
        super().__init__()
        self.trunk = trunk
        self.neck = neck
        self.scalp = scalp

    def forward(self, x: Tensor) -> tuple[list[Tensor], list[Tensor], list[Tensor]]:
        """B×3×S×S → (fpn levels, their position encodings, trunk outputs), stride 4 first."""
        trunk_out = self.trunk(x)
        feats, pos = self.neck(trunk_out)
        if self.scalp > 0:
            feats, pos = feats[: -self.scalp], pos[: -self.scalp]
        return feats, pos, trunk_out
