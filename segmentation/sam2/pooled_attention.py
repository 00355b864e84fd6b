"""EfficientTAM's pooled memory cross-attention (``EfficientRoPEAttention1`` / ``2``).

Like :class:`RoPEAttention`, but when the rotated (spatial) keys span more than one memory
frame, each frame's keys and values are average-pooled over 2×2 token blocks after the
rotation, so a frame of side×side tokens contributes (side/2)² landmarks (4× fewer keys).
Object-pointer tokens at the end are kept as they are. Each landmark stands for 4 keys:

* variant 1 adds ``ln 4`` to the landmarks' attention logits (an exact 4-fold weight);
* variant 2 adds ``ln 4`` to every element of the pooled key vectors (the official
  ``EfficientRoPEAttention2`` does this; it is not the same as variant 1).

With a single memory frame (or none) both run plain attention over all keys.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from segmentation.sam2.rope import RoPEAttention, attend

#: Pooling window (tokens per side) and the log of the keys each landmark stands for.
_POOL = 2
_LOG_KEYS_PER_LANDMARK = 2 * math.log(_POOL)


def pool_frames(x: Tensor, num_frames: int, side: int) -> Tensor:
    """(B, h, F·side², d) spatial tokens → (B, h, F·(side/2)², d) 2×2 means per frame."""
    b, h, _, d = x.shape
    maps = x.reshape(b, h * num_frames, side * side, d).transpose(-2, -1)
    maps = F.avg_pool2d(maps.reshape(b, h * num_frames * d, side, side), _POOL, stride=_POOL)
    pooled = maps.reshape(b, h * num_frames, d, -1).transpose(-2, -1)
    return pooled.reshape(b, h, -1, d)


class PooledRoPEAttention(RoPEAttention):
    """RoPE cross-attention to pooled memories; ``variant`` 1 or 2 (same state-dict keys)."""

    def __init__(self, *args: object, variant: int = 1, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if variant not in (1, 2):
            raise ValueError(f"pooled attention variant must be 1 or 2, got {variant}")
        self.variant = variant

    def _attention(self, q: Tensor, k: Tensor, v: Tensor, num_k_rope: int) -> Tensor:
        num_q = q.shape[-2]
        if not self.rope_k_repeat or num_k_rope <= num_q:
            return attend(q, k, v)
        side = math.isqrt(num_q)
        if side * side != num_q or side % _POOL:
            raise ValueError(f"pooled attention needs an even square token grid, got {num_q}")
        frames = num_k_rope // num_q
        k_pool = pool_frames(k[..., :num_k_rope, :], frames, side)
        v_pool = pool_frames(v[..., :num_k_rope, :], frames, side)
        values = torch.cat([v_pool, v[..., num_k_rope:, :]], dim=-2)
        if self.variant == 2:
            keys = torch.cat([k_pool + _LOG_KEYS_PER_LANDMARK, k[..., num_k_rope:, :]], dim=-2)
            return attend(q, keys, values)
        scale = 1.0 / math.sqrt(q.shape[-1])
        logits = torch.cat([q @ k_pool.transpose(-2, -1) * scale + _LOG_KEYS_PER_LANDMARK,
                            q @ k[..., num_k_rope:, :].transpose(-2, -1) * scale], dim=-1)
        return torch.softmax(logits, dim=-1) @ values
