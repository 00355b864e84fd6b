"""``background-dim``: darken the background."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rendering.effects.base import Effect, EffectContext, param, register
from rendering.effects.pixels import blend, rgb, with_rgb


@register
@dataclass(frozen=True)
class BackgroundDim(Effect):
    """Multiply the background by ``1 - amount``."""

    name = "background-dim"
    target = "background"
    amount: float = param(0.6, "Amount", min=0.0, max=1.0, step=0.05)

    def apply(self, frame: np.ndarray, mask: np.ndarray, ctx: EffectContext) -> np.ndarray:
        colour = np.ascontiguousarray(rgb(frame))
        black = np.zeros_like(colour)
        weight = ((1.0 - mask) * float(self.amount)).astype(np.float32)
        return with_rgb(frame, blend(colour, black, weight))
