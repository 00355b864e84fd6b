"""``object-outline``: a coloured line around the object, outside its mask."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from rendering.effects.base import Effect, EffectContext, param, register
from rendering.effects.pixels import paint, solid


def dilate(mask: np.ndarray, radius_px: float) -> np.ndarray:
    """Grey-level dilation (max filter) of an H×W float32 mask by a disc of ``radius_px``."""
    r = int(round(radius_px))
    if r <= 0:
        return mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    return cv2.dilate(mask, kernel)


@register
@dataclass(frozen=True)
class ObjectOutline(Effect):
    """Band ``width_px`` wide just outside the object, painted ``colour``."""

    name = "object-outline"
    width_px: float = param(4.0, "Width (px)", min=1.0, max=50.0, step=1.0)
    colour: str = param("#ffffff", "Colour", kind="colour")

    def apply(self, frame: np.ndarray, mask: np.ndarray, ctx: EffectContext) -> np.ndarray:
        band = np.clip(dilate(mask, ctx.px(self.width_px)) - mask, 0.0, 1.0)
        # painted over: on a transparent background (cut-out object) the band is opaque
        return paint(frame, solid(frame.shape, self.colour), band)
