"""``cutout``: keep only the object; everything else becomes transparent (RGBA)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rendering.effects.background_remove import set_alpha
from rendering.effects.base import Effect, EffectContext, register


@register
@dataclass(frozen=True)
class Cutout(Effect):
    """Alpha = this object's mask (other objects become transparent too)."""

    name = "cutout"
    makes_alpha = True

    def apply(self, frame: np.ndarray, mask: np.ndarray, ctx: EffectContext) -> np.ndarray:
        return set_alpha(frame, mask)
