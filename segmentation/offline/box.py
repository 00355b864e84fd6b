"""Where a boxed object lies inside its box: GrabCut's "probably object" from colour contrast
with the box's surroundings, kept when the result still fills the box.

GrabCut from a box takes the whole box as "probably object", so its object colour model
starts with every background colour inside the box; where the background fills much of the
box (the water between a swan's neck and back, the sand between a camel's legs) that model
keeps it, and GrabCut settles on the object *plus* that background. Started from the right
region, the same energy keeps the object alone. The background inside a box is usually the
background around it, so a colour that is much more common inside the box than in a ring
around it is probably object, and one that is as common outside is probably background: those
pixels are the colour proposal's "probably object" (the rest of the box "probably
background", which GrabCut may still turn to object).

Where the object's own colours also fill its surroundings, that proposal loses parts of the
object. A box is tight — the object reaches all four of its sides — so the colour proposal is
kept unless the whole-box proposal reaches more of the box's sides.
"""

from __future__ import annotations

import numpy as np

from segmentation.offline.colour_growth import colour_index, log_density
from segmentation.offline.masks import Roi, grow_box

#: The ring whose colours stand for the background reaches this fraction of the box's longer
#: side beyond the box.
SURROUND_FRAC: float = 0.3

#: A pixel of the box is "probably object" when log p(colour | box) − log p(colour | ring)
#: exceeds this.
CONTRAST_MARGIN: float = 1.5

#: A mask reaches a side of the box when it comes within this fraction of the box's longer
#: side of it (plus a pixel).
SIDE_TOLERANCE: float = 0.03

# CONTRAST_MARGIN: leave-one-clip-out over the 18 DAVIS frames' boxes (bench_offline.py
# --prompts --cv --prompt box; margins 0.5 / 1.0 / 1.5 with the ring at 0.3) chose 1.5 in every
# fold: held-out box IoU 0.731 (GrabCut from the whole box alone: 0.653).


def box_bounds(box: tuple[float, float, float, float], width: int,
               height: int) -> tuple[int, int, int, int]:
    """Integer ``(x0, y0, x1, y1)`` (exclusive ends, at least one pixel) of a box inside a
    ``width``×``height`` frame."""
    x0, y0 = max(0, int(np.floor(box[0]))), max(0, int(np.floor(box[1])))
    x1 = min(width, max(x0 + 1, int(np.ceil(box[2]))))
    y1 = min(height, max(y0 + 1, int(np.ceil(box[3]))))
    return x0, y0, x1, y1


def colour_contrast_region(frame_rgb: np.ndarray, box: tuple[float, float, float, float],
                           roi: Roi) -> np.ndarray:
    """ROI-sized bool map: the box's pixels whose colour is ``CONTRAST_MARGIN`` more likely
    (log) under the box's colour histogram than under the surrounding ring's."""
    height, width = frame_rgb.shape[:2]
    x0, y0, x1, y1 = box_bounds(box, width, height)
    wide = grow_box((x0, y0, x1, y1), SURROUND_FRAC, 8, width, height)
    inside = np.zeros((wide.height, wide.width), bool)
    inside[y0 - wide.y0 : y1 - wide.y0, x0 - wide.x0 : x1 - wide.x0] = True
    index = colour_index(wide.crop(frame_rgb))
    region = np.zeros((roi.height, roi.width), bool)
    if inside.all():  # the box fills the frame: no surroundings to compare with
        return region
    ratio = log_density(index, inside) - log_density(index, ~inside)
    probable = inside & (ratio[index] > CONTRAST_MARGIN)
    # Copy the overlap of the wide region and the ROI (the ROI may be the smaller one).
    ox0, oy0 = max(roi.x0, wide.x0), max(roi.y0, wide.y0)
    ox1, oy1 = min(roi.x1, wide.x1), min(roi.y1, wide.y1)
    region[oy0 - roi.y0 : oy1 - roi.y0, ox0 - roi.x0 : ox1 - roi.x0] = \
        probable[oy0 - wide.y0 : oy1 - wide.y0, ox0 - wide.x0 : ox1 - wide.x0]
    return region


def sides_reached(mask: np.ndarray, box: tuple[float, float, float, float]) -> int:
    """How many of the box's four sides the frame-sized bool mask reaches (0-4)."""
    height, width = mask.shape
    x0, y0, x1, y1 = box_bounds(box, width, height)
    inner = mask[y0:y1, x0:x1]
    rows = np.flatnonzero(inner.any(axis=1))
    if rows.size == 0:
        return 0
    cols = np.flatnonzero(inner.any(axis=0))
    tol = SIDE_TOLERANCE * max(x1 - x0, y1 - y0) + 1
    h, w = inner.shape
    return int(cols[0] <= tol) + int(w - 1 - cols[-1] <= tol) + int(rows[0] <= tol) \
        + int(h - 1 - rows[-1] <= tol)
