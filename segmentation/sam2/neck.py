"""FPN neck of the SAM 2 image encoder and its sine position encoding.

Trunk maps (highest resolution first) → d_model-channel maps at the same strides, with a
top-down nearest-neighbour pathway on ``fpn_top_down_levels``; each level gets a DETR sine
position encoding (B×d_model×H×W).
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


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


class ImageEncoder(nn.Module):
    """Trunk + neck; drops the ``scalp`` lowest-resolution levels (keys ``trunk``, ``neck``)."""

    def __init__(self, trunk: nn.Module, neck: FpnNeck, scalp: int) -> None:
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
