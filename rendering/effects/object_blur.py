"""``object-blur``: blur the object (e.g. a face or a licence plate)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rendering.effects.base import Effect, EffectContext, param, register
from rendering.effects.pixels import blend, blur, rgb, with_rgb


@register
@dataclass(frozen=True)
class ObjectBlur(Effect):
    """Gaussian blur inside the object's mask (``radius_px`` = 2 × sigma)."""

    name = "object-blur"
    radius_px: float = param(16.0, "Blur radius (px)", min=0.0, max=200.0, step=1.0)

    def apply(self, frame: np.ndarray, mask: np.ndarray, ctx: EffectContext) -> np.ndarray:
        colour = np.ascontiguousarray(rgb(frame))
        return with_rgb(frame, blend(colour, blur(colour, ctx.px(self.radius_px)), mask))
