"""Where a clicked object ends, when clicks are all there is (no box, no mask).

A click gives no scale. The object is taken to be what lies geodesically closer to the
positive clicks than to the frame's border (and to exclude clicks): paths pay for every colour
edge they cross (:mod:`segmentation.offline.geodesic`), so the region stops at the object's
strong edges whatever its size, and a look-alike elsewhere in the frame is closer to the border
than to the click. That region is GrabCut's "probably object" in a region of interest around
it; GrabCut then settles the boundary with colour models.

Two proposals are made — this one, and GrabCut from a disc in a fixed-size region around the
clicks (:func:`segmentation.offline.initial.segment_prompt`) — and the one whose outline runs
along stronger edges (mean colour-gradient magnitude on the outline relative to the frame's)
is kept: each fails differently (the geodesic region can collapse onto the click when the
object's colours are everywhere around it; the fixed region cuts large objects and spills
around small ones), and a wrong outline runs through texture rather than along edges.
"""

from __future__ import annotations

import cv2
import numpy as np

from segmentation.offline.geodesic import geodesic_distance
from segmentation.offline.masks import Roi

#: Longer side (pixels) of the frame copy the geodesic distances are computed on.
GEO_SIDE_PX: int = 256

#: Cost of one step across flat colour, in CIELAB units (L 0..100).
STEP_COST: float = 0.5

#: A pixel is "probably object" when its distance to the clicks is below this times its
#: distance to the border and the exclude clicks.
CLICK_RATIO: float = 1.0

#: The region of interest is the probable object's box grown by this fraction of its longer
#: side on every side.
ROI_MARGIN: float = 0.65

# CLICK_RATIO and ROI_MARGIN: leave-one-clip-out over the 18-frame click set (6 DAVIS clips ×
# frames 0/20/40; ratios 0.7-1.4, margins 0.35-0.8, cut scales 0.75-1.5) chose 1.0 and 0.65
# in every fold: held-out mean IoU 0.636 (bench_offline.py --prompts).

#: Gaussian blur (pixels of the reduced frame) before the colour differences: sensor noise and
#: fine texture should not count as edges.
BLUR_SIGMA_PX: float = 1.0


class ClickGeometry:
    """The reduced frame's CIELAB image and colour-gradient magnitude, shared by the
    proposals and the outline score."""

    def __init__(self, frame_rgb: np.ndarray) -> None:
        height, width = frame_rgb.shape[:2]
        self.scale = min(1.0, GEO_SIDE_PX / max(height, width))
        size = (max(2, round(width * self.scale)), max(2, round(height * self.scale)))
        small = cv2.resize(frame_rgb, size, interpolation=cv2.INTER_AREA)
        small = cv2.GaussianBlur(small, (0, 0), BLUR_SIGMA_PX)
        self.lab = cv2.cvtColor(small.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
        gx = cv2.Sobel(self.lab, cv2.CV_32F, 1, 0)
        gy = cv2.Sobel(self.lab, cv2.CV_32F, 0, 1)
        self.gradient = np.sqrt((gx ** 2 + gy ** 2).sum(-1))
        self.frame_shape = (height, width)

    def _small(self, mask: np.ndarray) -> np.ndarray:
        h, w = self.lab.shape[:2]
        return cv2.resize(mask.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0

    def _discs(self, points: np.ndarray) -> np.ndarray:
        h, w = self.lab.shape[:2]
        out = np.zeros((h, w), np.uint8)
        for x, y in points:
            cx = min(w - 1, max(0, int(x * self.scale)))
            cy = min(h - 1, max(0, int(y * self.scale)))
            cv2.circle(out, (cx, cy), 2, 1, -1)
        return out > 0

    def probable_object(self, points: np.ndarray, labels: np.ndarray,
                        excluded: np.ndarray | None) -> np.ndarray | None:
        """Reduced-frame bool region closer to the positive clicks than to the border, the
        exclude clicks and the excluded region (None without a positive click)."""
        pos = points[labels > 0]
        if len(pos) == 0:
            return None
        near = geodesic_distance(self.lab, self._discs(pos), STEP_COST)
        away = np.zeros(near.shape, bool)
        away[0, :] = away[-1, :] = away[:, 0] = away[:, -1] = True
        away |= self._discs(points[labels <= 0]) if np.any(labels <= 0) else False
        if excluded is not None:
            away |= self._small(excluded)
        far = geodesic_distance(self.lab, away, STEP_COST)
        return near < CLICK_RATIO * far

    def roi(self, region: np.ndarray) -> Roi:
        """Frame-pixel region of interest around a reduced-frame region."""
        ys, xs = np.nonzero(region)
        x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
        margin = max(3.0, ROI_MARGIN * max(x1 - x0, y1 - y0))
        height, width = self.frame_shape
        s = self.scale
        return Roi(max(0, int((x0 - margin) / s)), max(0, int((y0 - margin) / s)),
                   min(width, int(np.ceil((x1 + margin) / s))),
                   min(height, int(np.ceil((y1 + margin) / s))))

    def outline_contrast(self, mask: np.ndarray) -> float:
        """Mean colour-gradient magnitude on the outline of a frame-sized bool mask, relative
        to the frame's mean (0 for an empty or full mask)."""
        small = self._small(mask).astype(np.uint8)
        kernel = np.ones((3, 3), np.uint8)
        outline = (cv2.dilate(small, kernel) - cv2.erode(small, kernel)) > 0
        if not outline.any() or small.all():
            return 0.0
        return float(self.gradient[outline].mean() / (self.gradient.mean() + 1e-6))

    def upscale(self, region: np.ndarray) -> np.ndarray:
        """Frame-sized bool copy of a reduced-frame region."""
        height, width = self.frame_shape
        return cv2.resize(region.astype(np.uint8), (width, height),
                          interpolation=cv2.INTER_NEAREST) > 0
