"""Plain data of the proposal engine: its settings and one proposal."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class ProposalSettings:
    """Knobs of :func:`~segmentation.proposals.propose_objects` (SAM's automatic mask generator).

    Attributes:
        points_per_side: the grid has ``points_per_side²`` point prompts, at cell centres.
        points_per_batch: point prompts decoded together (memory ∝ this × 3 masks).
        pred_iou_thresh: keep masks whose predicted IoU (0..1) is at least this.
        stability_score_thresh: keep masks whose stability score (0..1) is at least this.
        stability_offset: logit offset of the stability score (mask at +offset vs −offset).
        box_nms_thresh: two kept proposals never have a box IoU above this (0..1).
        min_area_px: islands and holes smaller than this (pixels of the original image) are
            removed / filled, and proposals smaller than this afterwards are dropped.
        multimask_output: decode the 3 multimask outputs per point (SAM's choice) or one.
    """

    points_per_side: int = 32
    points_per_batch: int = 64
    pred_iou_thresh: float = 0.8
    stability_score_thresh: float = 0.95
    stability_offset: float = 1.0
    box_nms_thresh: float = 0.7
    min_area_px: int = 100
    multimask_output: bool = True

    def __post_init__(self) -> None:
        if self.points_per_side < 1:
            raise ValueError(f"points_per_side must be ≥ 1, got {self.points_per_side}")
        if self.points_per_batch < 1:
            raise ValueError(f"points_per_batch must be ≥ 1, got {self.points_per_batch}")
        if not 0.0 <= self.box_nms_thresh <= 1.0:
            raise ValueError(f"box_nms_thresh must be in [0, 1], got {self.box_nms_thresh}")
        if self.min_area_px < 0:
            raise ValueError(f"min_area_px must be ≥ 0, got {self.min_area_px}")


@dataclass(frozen=True, eq=False)
class Proposal:
    """One proposed object on the image.

    Attributes:
        mask: H×W bool, the cleaned mask at the original image resolution.
        low_res_logits: h×w float32 logits the decoder produced (> 0 inside), over the whole
            image (h×w = 256×256 for SAM 2 at 1024; the image is stretched to it, aspect not
            kept). Before island/hole clean-up.
        box_xyxy: ``(x0, y0, x1, y1)`` pixel edges of ``mask`` in the original image:
            x0/y0 of the first inside pixel, x1/y1 one past the last (exclusive).
        predicted_iou: the decoder's IoU estimate, 0..1.
        stability_score: IoU of the mask at logit > +offset and at logit > −offset, 0..1.
        area_px: number of True pixels of ``mask``.
        point_xy: the grid point ``(x, y)`` (original pixels) whose prompt produced it.
    """

    mask: np.ndarray
    low_res_logits: np.ndarray
    box_xyxy: tuple[int, int, int, int]
    predicted_iou: float
    stability_score: float
    area_px: int
    point_xy: tuple[float, float]

    @property
    def quality(self) -> float:
        """Sort key, higher is better: predicted IoU times stability score."""
        return self.predicted_iou * self.stability_score

    def logits(self) -> np.ndarray:
        """H×W float32 soft logits at image resolution: bilinear (half-pixel centres) upsampling
        of ``low_res_logits``; > 0 inside (before island/hole clean-up)."""
        h, w = self.mask.shape
        if self.low_res_logits.shape == (h, w):
            return self.low_res_logits.astype(np.float32, copy=True)
        return cv2.resize(self.low_res_logits.astype(np.float32), (w, h),
                          interpolation=cv2.INTER_LINEAR)

    def contains(self, x: float, y: float) -> bool:
        """True when pixel ``(x, y)`` (original image pixels) lies inside the mask."""
        h, w = self.mask.shape
        col, row = int(x), int(y)
        return 0 <= col < w and 0 <= row < h and bool(self.mask[row, col])
