"""``background-color``: replace the background with a solid colour."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rendering.effects.base import Effect, EffectContext, param, register
from rendering.effects.pixels import blend, rgb, solid, with_rgb


@register
@dataclass(frozen=True)
class BackgroundColor(Effect):
    """Solid colour (``#rrggbb``) behind the objects."""

    name = "background-color"
    target = "background"
    colour: str = param("#00b140", "Colour", kind="colour")

    def apply(self, frame: np.ndarray, mask: np.ndarray, ctx: EffectContext) -> np.ndarray:
        colour = np.ascontiguousarray(rgb(frame))
        return with_rgb(frame, blend(solid(frame.shape, self.colour), colour, mask))
