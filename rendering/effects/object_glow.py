"""``object-glow``: a soft coloured halo around the object."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from rendering.effects.base import Effect, EffectContext, param, register
from rendering.effects.pixels import paint, solid


@register
@dataclass(frozen=True)
class ObjectGlow(Effect):
    """Blurred mask (sigma = ``width_px`` / 2) outside the object, in ``colour``."""

    name = "object-glow"
    width_px: float = param(12.0, "Width (px)", min=1.0, max=100.0, step=1.0)
    colour: str = param("#66ccff", "Colour", kind="colour")
    strength: float = param(0.8, "Strength", min=0.0, max=1.0, step=0.05)

    def apply(self, frame: np.ndarray, mask: np.ndarray, ctx: EffectContext) -> np.ndarray:
        sigma = max(0.5, ctx.px(self.width_px) / 2.0)
        halo = cv2.GaussianBlur(mask, (0, 0), sigma) * 2.0
        weight = np.clip(halo, 0.0, 1.0) * (1.0 - mask) * float(self.strength)
        # painted over: on a transparent background (cut-out object) the halo is visible
        return paint(frame, solid(frame.shape, self.colour), weight.astype(np.float32))
