"""One propagation step of the offline engine: warp the previous mask by dense optical flow,
then refine it with GrabCut in a band around its edge.

Everything runs inside a region around the previous mask, downscaled so its longer side is
at most ``work_side_px``: the cost per frame depends on that size, not on the frame size.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from segmentation.offline.appearance import learn, segment_with
from segmentation.offline.initial import grabcut_labels
from segmentation.offline.masks import Roi, grow_box, mask_bbox, remove_specks


@dataclass(frozen=True)
class FlowParams:
    """Tuning of one propagation step (defaults measured on DAVIS-2016, see the benchmark).

    Attributes:
        margin_frac: the region is the previous mask's box grown by this fraction of its
            larger side (room for the motion between two frames).
        margin_min_px: smallest growth of the region, frame pixels.
        work_side_px: flow and GrabCut run on the region downscaled to this longer side.
        grabcut_iterations: GrabCut iterations per frame.
        band_frac: half-width of the uncertain band around the warped edge, as a fraction of
            sqrt(object area) (work pixels); inside it GrabCut decides, outside labels are fixed.
        band_min_px: smallest band half-width, work pixels.
        min_area_px: a mask smaller than this (frame pixels) means the object is lost.
        flow_preset: DIS optical-flow preset (0 ultrafast, 1 fast, 2 medium).
    """

    margin_frac: float = 0.3
    margin_min_px: int = 32
    work_side_px: int = 320
    grabcut_iterations: int = 2
    band_frac: float = 0.08
    band_min_px: int = 3
    min_area_px: int = 20
    flow_preset: int = 2


@dataclass(frozen=True)
class StepResult:
    """Mask on the new frame (H×W bool, None when lost) and a confidence in [0, 1]:
    the IoU between the flow-warped mask and the refined one."""

    mask: np.ndarray | None
    confidence: float


def _disk(radius_px: int) -> np.ndarray:
    size = 2 * radius_px + 1
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def _to_gray(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


class FlowStep:
    """Tracks one mask from a frame to the next (either direction in time)."""

    def __init__(self, params: FlowParams | None = None) -> None:
        self.params = params or FlowParams()
        self._flow = cv2.DISOpticalFlow_create(self.params.flow_preset)

    def _region(self, prev_mask: np.ndarray) -> tuple[Roi, float] | None:
        box = mask_bbox(prev_mask)
        if box is None:
            return None
        height, width = prev_mask.shape
        p = self.params
        roi = grow_box(box, p.margin_frac, p.margin_min_px, width, height)
        return roi, min(1.0, p.work_side_px / max(roi.width, roi.height))

    def warp(
        self, prev_rgb: np.ndarray, cur_rgb: np.ndarray, prev_crop: np.ndarray, size: tuple
    ) -> tuple[np.ndarray, np.ndarray]:
        """Warp a float mask crop (work resolution) from ``prev`` to ``cur`` crops.

        Returns the warped soft mask (h×w float32 in [0, 1]) and the resized current crop.
        """
        prev_small = cv2.resize(prev_rgb, size, interpolation=cv2.INTER_AREA)
        cur_small = cv2.resize(cur_rgb, size, interpolation=cv2.INTER_AREA)
        # Backward flow (current → previous) so every current pixel looks up the old mask.
        flow = self._flow.calc(_to_gray(cur_small), _to_gray(prev_small), None)
        h, w = flow.shape[:2]
        grid_x, grid_y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        warped = cv2.remap(prev_crop, grid_x + flow[..., 0], grid_y + flow[..., 1],
                           cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        return warped, cur_small

    def _trimap(self, warped: np.ndarray) -> np.ndarray:
        p = self.params
        inside = (warped > 0.5).astype(np.uint8)
        band = max(p.band_min_px, int(round(p.band_frac * np.sqrt(inside.sum()))))
        labels = np.full(inside.shape, cv2.GC_BGD, dtype=np.uint8)
        labels[cv2.dilate(inside, _disk(band)) > 0] = cv2.GC_PR_BGD
        labels[inside > 0] = cv2.GC_PR_FGD
        labels[cv2.erode(inside, _disk(band)) > 0] = cv2.GC_FGD
        return labels

    def _refine(self, cur_small: np.ndarray, warped: np.ndarray,
                anchor_rgb: np.ndarray | None) -> np.ndarray:
        labels = self._trimap(warped)
        if anchor_rgb is not None:
            core = cur_small[labels == cv2.GC_FGD]
            models = learn(np.concatenate([anchor_rgb, core]), cur_small[labels == cv2.GC_BGD])
            if models is not None:
                return segment_with(cur_small, labels, models)
        return grabcut_labels(cur_small, labels, self.params.grabcut_iterations)

    def step(self, prev_rgb: np.ndarray, cur_rgb: np.ndarray, prev_mask: np.ndarray,
             anchor_rgb: np.ndarray | None = None) -> StepResult:
        """Mask on ``cur_rgb`` (H×W×3 uint8) from the mask ``prev_mask`` (H×W bool) on
        ``prev_rgb``; the two frames are neighbours in time (either order). ``anchor_rgb``
        (N×3 uint8): object colours from the prompted frame, for the object's colour model."""
        region = self._region(prev_mask)
        if region is None:
            return StepResult(None, 0.0)
        roi, scale = region
        size = (max(8, round(roi.width * scale)), max(8, round(roi.height * scale)))
        prev_crop = cv2.resize(roi.crop(prev_mask).astype(np.float32), size,
                               interpolation=cv2.INTER_AREA)
        warped, cur_small = self.warp(roi.crop(prev_rgb), roi.crop(cur_rgb), prev_crop, size)
        inside = warped > 0.5
        min_work_px = max(1, int(self.params.min_area_px * scale * scale))
        if int(inside.sum()) < min_work_px:
            return StepResult(None, 0.0)
        if self.params.grabcut_iterations > 0:
            refined = self._refine(cur_small, warped, anchor_rgb)
        else:  # flow only (the benchmark's baseline)
            refined = inside
        union = np.count_nonzero(refined | inside)
        confidence = np.count_nonzero(refined & inside) / union if union else 0.0
        full = cv2.resize(refined.astype(np.float32), (roi.width, roi.height),
                          interpolation=cv2.INTER_LINEAR) > 0.5
        mask = np.zeros(prev_mask.shape, dtype=bool)
        roi.crop(mask)[...] = full
        mask = remove_specks(mask, 0.005, self.params.min_area_px)
        if int(mask.sum()) < self.params.min_area_px:
            return StepResult(None, 0.0)
        return StepResult(mask, float(confidence))
