"""``background-remove``: make the background transparent (RGBA output)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rendering.effects.base import Effect, EffectContext, register


def set_alpha(frame: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """RGBA frame whose alpha is the existing alpha (if any) times ``alpha`` (H×W [0, 1])."""
    a = alpha.astype(np.float32)
    if frame.shape[2] == 4:
        a = a * (frame[..., 3].astype(np.float32) / 255.0)
    out = np.empty(frame.shape[:2] + (4,), np.uint8)
    out[..., :3] = frame[..., :3]
    out[..., 3] = np.clip(a * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return out


@register
@dataclass(frozen=True)
class BackgroundRemove(Effect):
    """Alpha = object mask: the objects stay, the background becomes transparent."""

    name = "background-remove"
    target = "background"
    makes_alpha = True

    def apply(self, frame: np.ndarray, mask: np.ndarray, ctx: EffectContext) -> np.ndarray:
        return set_alpha(frame, mask)
