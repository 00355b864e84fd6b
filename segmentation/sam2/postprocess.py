"""Optional mask clean-up with OpenCV connected components (off by default).

Background holes up to ``max_hole_area_px`` become foreground (logit threshold + 10) and
foreground islands up to ``max_sprinkle_area_px`` become background (threshold − 10),
8-connectivity, as the official post-processing does with its CUDA extension.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
from torch import Tensor


def _small_components(binary: np.ndarray, max_area_px: int) -> np.ndarray:
    """Bool mask of the pixels of 8-connected components of ``binary`` with area ≤ max."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary.astype(np.uint8), connectivity=8)
    if count <= 1:
        return np.zeros(binary.shape, dtype=bool)
    small = stats[:, cv2.CC_STAT_AREA] <= max_area_px
    small[0] = False  # label 0 is the complement of ``binary``
    return small[labels]


def fill_holes_and_sprinkles(logits: Tensor, threshold: float = 0.0, max_hole_area_px: int = 0,
                             max_sprinkle_area_px: int = 0) -> Tensor:
    """logits (…, H, W) float → cleaned copy (same shape/dtype/device)."""
    if max_hole_area_px <= 0 and max_sprinkle_area_px <= 0:
        return logits
    flat = logits.detach().float().cpu().reshape(-1, *logits.shape[-2:]).numpy()
    out = flat.copy()
    for i, plane in enumerate(flat):
        if max_hole_area_px > 0:
            out[i][_small_components(plane <= threshold, max_hole_area_px)] = threshold + 10.0
        if max_sprinkle_area_px > 0:
            out[i][_small_components(plane > threshold, max_sprinkle_area_px)] = threshold - 10.0
    return torch.from_numpy(out).reshape(logits.shape).to(logits.device, logits.dtype)
