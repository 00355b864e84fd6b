"""``background-image``: put a still image behind the objects."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rendering.effects.base import Effect, EffectContext, param, register
from rendering.effects.pixels import blend, fit_image, load_image, over, rgb, with_rgb

FITS = ("cover", "contain", "stretch")


@register
@dataclass(frozen=True)
class BackgroundImage(Effect):
    """Image file behind the objects, fitted to the frame (``cover``/``contain``/``stretch``);
    transparent parts of the image show the original background."""

    name = "background-image"
    target = "background"
    path: str = param("", "Image", kind="file")
    fit: str = param("cover", "Fit", kind="choice", choices=FITS)

    def apply(self, frame: np.ndarray, mask: np.ndarray, ctx: EffectContext) -> np.ndarray:
        h, w = frame.shape[:2]
        layer = fit_image(load_image(self.path), w, h, self.fit)
        colour = np.ascontiguousarray(rgb(frame))
        replaced = rgb(over(colour, layer))
        return with_rgb(frame, blend(np.ascontiguousarray(replaced), colour, mask))
