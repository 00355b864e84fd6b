"""Small mask utilities for the offline engine: boxes, regions of interest, soft logits.

Masks here are H×W ``bool`` arrays in frame pixels; logits are H×W ``float32`` following
SAM 2's convention (> 0 inside, soft near the edge, exactly −1024 for an absent object).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from segmentation.types import ABSENT_LOGIT

#: Magnitude of the logits far from the boundary: sigmoid(±16) rounds to 0 / 255 in 8 bits.
LOGIT_CLAMP: float = 16.0

#: Side of the low-resolution logits kept per frame (SAM 2 keeps 256×256 for 1024 input).
LOW_RES_SIDE_PX: int = 256


@dataclass(frozen=True)
class Roi:
    """Axis-aligned region of interest in frame pixels: ``[x0, x1) × [y0, y1)``."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def crop(self, image: np.ndarray) -> np.ndarray:
        """View of ``image`` (H×W or H×W×C) inside the region."""
        return image[self.y0 : self.y1, self.x0 : self.x1]


def mask_bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """Tight box ``(x0, y0, x1, y1)`` (exclusive ends) of a bool mask, or None when empty."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def grow_box(
    box: tuple[float, float, float, float],
    margin_frac: float,
    margin_min_px: int,
    width: int,
    height: int,
) -> Roi:
    """Grow ``box`` (x0, y0, x1, y1) by ``margin_frac`` of its larger side (at least
    ``margin_min_px``) on every side, clipped to a ``width``×``height`` frame."""
    x0, y0, x1, y1 = box
    margin = max(float(margin_min_px), margin_frac * max(x1 - x0, y1 - y0))
    return Roi(
        max(0, int(np.floor(x0 - margin))),
        max(0, int(np.floor(y0 - margin))),
        min(width, int(np.ceil(x1 + margin))),
        min(height, int(np.ceil(y1 + margin))),
    )


def remove_specks(mask: np.ndarray, min_fraction: float, min_area_px: int) -> np.ndarray:
    """Drop connected components smaller than ``min_fraction`` of the mask's area (and
    smaller than ``min_area_px``): GrabCut leaves isolated specks in a textured background."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), 8)
    if count <= 2:
        return mask
    areas = stats[1:, cv2.CC_STAT_AREA]
    limit = max(min_area_px, min_fraction * float(areas.sum()))
    keep = np.zeros(count, dtype=bool)
    keep[1:] = areas >= limit
    if not keep.any():
        keep[1 + int(np.argmax(areas))] = True
    return keep[labels]


def mask_to_logits(mask: np.ndarray | None, height: int, width: int) -> np.ndarray:
    """Soft logits (H×W float32) of a bool mask: signed distance to the edge in pixels,
    clamped to ±``LOGIT_CLAMP``; a missing or empty mask gives exactly ``ABSENT_LOGIT``."""
    if mask is None or not mask.any():
        return np.full((height, width), ABSENT_LOGIT, dtype=np.float32)
    logits = np.full((height, width), -LOGIT_CLAMP, dtype=np.float32)
    x0, y0, x1, y1 = mask_bbox(mask)  # type: ignore[misc]
    pad = int(LOGIT_CLAMP) + 2
    roi = Roi(max(0, x0 - pad), max(0, y0 - pad), min(width, x1 + pad), min(height, y1 + pad))
    inside = roi.crop(mask).astype(np.uint8)
    d_in = cv2.distanceTransform(inside, cv2.DIST_L2, 3)
    d_out = cv2.distanceTransform(1 - inside, cv2.DIST_L2, 3)
    signed = np.where(inside > 0, d_in - 0.5, 0.5 - d_out)
    roi.crop(logits)[...] = np.clip(signed, -LOGIT_CLAMP, LOGIT_CLAMP)
    return logits


def low_res(logits: np.ndarray) -> np.ndarray:
    """Downscaled copy (``LOW_RES_SIDE_PX`` square, float32) of H×W logits."""
    return cv2.resize(logits, (LOW_RES_SIDE_PX, LOW_RES_SIDE_PX), interpolation=cv2.INTER_AREA)
