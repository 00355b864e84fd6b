"""A :class:`~segmentation.proposals.PointPromptDecoder` that answers from known masks.

A click inside known mask k returns mask k exactly (logits ±``logit_magnitude``); a click
outside every mask returns an empty mask. It stands in for SAM 2 in tests and demos where the
right answer is known (synthetic images), with no weights.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from segmentation.proposals.decoder import DecodedBatch


class KnownMasksDecoder:
    """Decoder stub over fixed masks.

    Args:
        masks: K masks, each H×W bool in image pixels; the first one containing a click wins.
        predicted_iou: IoU estimate reported for a hit (one value, or one per mask).
        logit_magnitude: logits are +this inside, −this outside.
    """

    def __init__(
        self,
        masks: Sequence[np.ndarray],
        predicted_iou: float | Sequence[float] = 0.95,
        logit_magnitude: float = 10.0,
    ) -> None:
        self.masks = [np.asarray(m, dtype=bool) for m in masks]
        if isinstance(predicted_iou, (int, float)):
            predicted_iou = [float(predicted_iou)] * len(self.masks)
        self.predicted_iou = [float(v) for v in predicted_iou]
        self.logit_magnitude = float(logit_magnitude)
        self.image_size_hw: tuple[int, int] | None = None
        self.decoded_points = 0

    def set_image(self, image: np.ndarray) -> None:
        """Remember the image size (H×W×3 uint8); the pixels are not looked at."""
        self.image_size_hw = image.shape[:2]
        for m in self.masks:
            if m.shape != self.image_size_hw:
                raise ValueError(f"known mask {m.shape} does not match image {image.shape[:2]}")

    def decode_points(self, points_xy: np.ndarray, multimask_output: bool) -> DecodedBatch:
        """B×2 (x, y) pixels → logits B×M×H×W (M = 3 or 1, all copies of the hit), IoU B×M."""
        if self.image_size_hw is None:
            raise RuntimeError("An image must be set with .set_image(...) before decoding.")
        h, w = self.image_size_hw
        m = 3 if multimask_output else 1
        logits = torch.full((len(points_xy), m, h, w), -self.logit_magnitude)
        iou = torch.zeros((len(points_xy), m))
        for b, (x, y) in enumerate(np.asarray(points_xy, dtype=np.float64)):
            hit = self._mask_at(int(x), int(y))
            if hit is not None:
                logits[b, :, torch.from_numpy(self.masks[hit])] = self.logit_magnitude
                iou[b] = self.predicted_iou[hit]
        self.decoded_points += len(points_xy)
        return DecodedBatch(logits=logits, iou_predictions=iou)

    def _mask_at(self, col: int, row: int) -> int | None:
        for k, mask in enumerate(self.masks):
            if 0 <= row < mask.shape[0] and 0 <= col < mask.shape[1] and mask[row, col]:
                return k
        return None
