"""``background-desaturate``: grey out the background."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from rendering.effects.base import Effect, EffectContext, param, register
from rendering.effects.pixels import blend, rgb, with_rgb


@register
@dataclass(frozen=True)
class BackgroundDesaturate(Effect):
    """Mix the background towards its luma; ``amount`` 1 = fully grey."""

    name = "background-desaturate"
    target = "background"
    amount: float = param(1.0, "Amount", min=0.0, max=1.0, step=0.05)

    def apply(self, frame: np.ndarray, mask: np.ndarray, ctx: EffectContext) -> np.ndarray:
        colour = np.ascontiguousarray(rgb(frame))
        grey = cv2.cvtColor(cv2.cvtColor(colour, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
        weight = (1.0 - mask) * float(self.amount)
        return with_rgb(frame, blend(colour, grey, weight.astype(np.float32)))
