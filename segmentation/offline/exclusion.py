"""What an exclude click takes away: the region around it, not just the pixel.

A single exclude click inside a spill (a mask that grew onto the table) should remove the
spill. The region is grown from the click over pixels whose (smoothed) colour stays within a
fixed range of the colour under the click, inside the mask being corrected when there is one
(an exclude click never reaches outside what it corrects), and never over an include click.
It is then hard background for the graph cut, and its colours stay background on every frame
tracked from there (:meth:`segmentation.offline.flow_step.FlowStep.step`).
"""

from __future__ import annotations

import cv2
import numpy as np

#: Largest per-channel difference (0..255) from the clicked colour inside the region.
COLOUR_RANGE: int = 28

#: Radius (pixels) of the disc that an exclude click always removes, as a fraction of the
#: frame's shorter side.
DISC_FRAC: float = 0.01


def _disc(shape: tuple[int, int], x: float, y: float, radius_px: int) -> np.ndarray:
    out = np.zeros(shape, np.uint8)
    cv2.circle(out, (int(round(x)), int(round(y))), radius_px, 1, -1)
    return out > 0


def excluded_region(frame_rgb: np.ndarray, points: np.ndarray, labels: np.ndarray,
                    within: np.ndarray | None = None) -> np.ndarray | None:
    """H×W bool region the exclude clicks remove (None when there is no exclude click).

    Args:
        frame_rgb: H×W×3 uint8 RGB frame.
        points: N×2 float32 (x, y) clicks in frame pixels; labels: (N,) 1 include, 0 exclude.
        within: H×W bool mask being corrected; the region stays inside it when given.
    """
    neg = points[labels == 0]
    if len(neg) == 0:
        return None
    h, w = frame_rgb.shape[:2]
    radius = max(2, int(round(DISC_FRAC * min(h, w))))
    smooth = cv2.GaussianBlur(frame_rgb, (5, 5), 0)
    blocked = np.zeros((h + 2, w + 2), np.uint8)  # floodFill's mask: nonzero = do not fill
    if within is not None:
        blocked[1:-1, 1:-1] = ~within
    for x, y in points[labels > 0]:
        blocked[1:-1, 1:-1] |= _disc((h, w), x, y, 3 * radius)
    region = np.zeros((h, w), bool)
    flags = 8 | cv2.FLOODFILL_FIXED_RANGE | cv2.FLOODFILL_MASK_ONLY | (2 << 8)
    tol = (COLOUR_RANGE,) * 3
    for x, y in neg:
        cx, cy = min(w - 1, max(0, int(round(x)))), min(h - 1, max(0, int(round(y))))
        disc = _disc((h, w), cx, cy, radius)
        region |= disc
        if blocked[cy + 1, cx + 1]:
            continue
        fill = blocked.copy()
        cv2.floodFill(smooth, fill, (cx, cy), (0, 0, 0), tol, tol, flags)
        region |= (fill[1:-1, 1:-1] == 2)
    return region
