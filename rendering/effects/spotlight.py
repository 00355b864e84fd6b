"""``spotlight``: darken everything except the object."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rendering.effects.base import Effect, EffectContext, param, register
from rendering.effects.pixels import blend, rgb, with_rgb


@register
@dataclass(frozen=True)
class Spotlight(Effect):
    """Multiply every pixel outside the object by ``1 - amount``."""

    name = "spotlight"
    amount: float = param(0.7, "Darkness", min=0.0, max=1.0, step=0.05)

    def apply(self, frame: np.ndarray, mask: np.ndarray, ctx: EffectContext) -> np.ndarray:
        colour = np.ascontiguousarray(rgb(frame))
        weight = ((1.0 - mask) * float(self.amount)).astype(np.float32)
        return with_rgb(frame, blend(colour, np.zeros_like(colour), weight))
