"""``background-blur``: Gaussian blur of everything outside the objects."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rendering.effects.base import Effect, EffectContext, param, register
from rendering.effects.pixels import blend, blur, rgb, with_rgb


@register
@dataclass(frozen=True)
class BackgroundBlur(Effect):
    """Blur the background; ``radius_px`` (source pixels) is twice the Gaussian sigma."""

    name = "background-blur"
    target = "background"
    radius_px: float = param(24.0, "Blur radius (px)", min=0.0, max=200.0, step=1.0)

    def apply(self, frame: np.ndarray, mask: np.ndarray, ctx: EffectContext) -> np.ndarray:
        colour = np.ascontiguousarray(rgb(frame))
        return with_rgb(frame, blend(blur(colour, ctx.px(self.radius_px)), colour, mask,
                                     reuse_base=True))
