"""``background-pixelate``: mosaic the background."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rendering.effects.base import Effect, EffectContext, param, register
from rendering.effects.pixels import blend, pixelate, rgb, with_rgb


@register
@dataclass(frozen=True)
class BackgroundPixelate(Effect):
    """Mosaic of ``block_size_px`` squares outside the objects."""

    name = "background-pixelate"
    target = "background"
    block_size_px: float = param(16.0, "Block size (px)", min=2.0, max=200.0, step=1.0)

    def apply(self, frame: np.ndarray, mask: np.ndarray, ctx: EffectContext) -> np.ndarray:
        colour = np.ascontiguousarray(rgb(frame))
        mosaic = pixelate(colour, ctx.px(self.block_size_px))
        return with_rgb(frame, blend(mosaic, colour, mask, reuse_base=True))
