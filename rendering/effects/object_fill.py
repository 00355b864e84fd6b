"""``object-fill``: paint the object with a solid colour."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rendering.effects.base import Effect, EffectContext, param, register
from rendering.effects.pixels import blend, rgb, solid, with_rgb


@register
@dataclass(frozen=True)
class ObjectFill(Effect):
    """Solid ``colour`` over the object with ``opacity`` (1 = opaque)."""

    name = "object-fill"
    colour: str = param("#000000", "Colour", kind="colour")
    opacity: float = param(1.0, "Opacity", min=0.0, max=1.0, step=0.05)

    def apply(self, frame: np.ndarray, mask: np.ndarray, ctx: EffectContext) -> np.ndarray:
        colour = np.ascontiguousarray(rgb(frame))
        weight = (mask * float(self.opacity)).astype(np.float32)
        return with_rgb(frame, blend(colour, solid(frame.shape, self.colour), weight))
