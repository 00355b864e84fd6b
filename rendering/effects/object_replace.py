"""``object-replace``: an image/sticker that follows the object's bounding box."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from rendering.effects.base import Effect, EffectContext, param, register
from rendering.effects.pixels import load_image, over


def mask_box(mask: np.ndarray, threshold: float = 0.5) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) pixel box (exclusive ends) of ``mask > threshold``, None if empty."""
    ys, xs = np.nonzero(mask > threshold)
    if xs.size == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def sticker_layer(image: np.ndarray, box: tuple[int, int, int, int], size: tuple[int, int],
                  scale: float, keep_aspect: bool, offset: tuple[float, float] = (0.0, 0.0)
                  ) -> np.ndarray:
    """H×W×4 RGBA layer with ``image`` centred on ``box`` (shifted by ``offset`` × the box
    size, (x, y)), sized ``scale`` × the box."""
    h, w = size
    x0, y0, x1, y1 = box
    bw, bh = (x1 - x0) * scale, (y1 - y0) * scale
    ih, iw = image.shape[:2]
    if keep_aspect:
        s = min(bw / iw, bh / ih)
        bw, bh = iw * s, ih * s
    nw, nh = max(1, int(round(bw))), max(1, int(round(bh)))
    sticker = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA)
    cx = (x0 + x1) / 2.0 + offset[0] * (x1 - x0)
    cy = (y0 + y1) / 2.0 + offset[1] * (y1 - y0)
    left, top = int(round(cx - nw / 2.0)), int(round(cy - nh / 2.0))
    layer = np.zeros((h, w, 4), np.uint8)
    dx0, dy0 = max(0, left), max(0, top)
    dx1, dy1 = min(w, left + nw), min(h, top + nh)
    if dx1 > dx0 and dy1 > dy0:
        layer[dy0:dy1, dx0:dx1] = sticker[dy0 - top:dy1 - top, dx0 - left:dx1 - left]
    return layer


@register
@dataclass(frozen=True)
class ObjectReplace(Effect):
    """Paste an image (its alpha respected) over the object's box; ``scale`` 1 = box size,
    ``offset_x``/``offset_y`` move it by that fraction of the box's width/height."""

    name = "object-replace"
    path: str = param("", "Image", kind="file")
    scale: float = param(1.0, "Scale", min=0.1, max=4.0, step=0.05)
    keep_aspect: bool = param(True, "Keep aspect ratio", kind="bool")
    offset_x: float = param(0.0, "Offset x (× box width)", min=-2.0, max=2.0, step=0.05)
    offset_y: float = param(0.0, "Offset y (× box height)", min=-2.0, max=2.0, step=0.05)

    def apply(self, frame: np.ndarray, mask: np.ndarray, ctx: EffectContext) -> np.ndarray:
        box = mask_box(mask)
        if box is None:
            return frame
        layer = sticker_layer(load_image(self.path), box, frame.shape[:2], self.scale,
                              self.keep_aspect, (self.offset_x, self.offset_y))
        return over(frame, layer)
