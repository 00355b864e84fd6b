"""``object-highlight``: tint the object."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rendering.effects.base import Effect, EffectContext, param, register
from rendering.effects.pixels import blend, rgb, solid, with_rgb


@register
@dataclass(frozen=True)
class ObjectHighlight(Effect):
    """Mix the object towards ``colour`` by ``strength`` (0 = unchanged)."""

    name = "object-highlight"
    colour: str = param("#ffd400", "Colour", kind="colour")
    strength: float = param(0.4, "Strength", min=0.0, max=1.0, step=0.05)

    def apply(self, frame: np.ndarray, mask: np.ndarray, ctx: EffectContext) -> np.ndarray:
        colour = np.ascontiguousarray(rgb(frame))
        weight = (mask * float(self.strength)).astype(np.float32)
        return with_rgb(frame, blend(colour, solid(frame.shape, self.colour), weight))
