"""Remove small islands and fill small holes of a binary mask (OpenCV connected components)."""

from __future__ import annotations

import cv2
import numpy as np


def _drop_small_components(mask: np.ndarray, min_area_px: int) -> tuple[np.ndarray, bool]:
    """Set to False every 8-connected True component with fewer than ``min_area_px`` pixels."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    small = [i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] < min_area_px]
    if not small:
        return mask, False
    return mask & ~np.isin(labels, small), True


def remove_small_regions(mask: np.ndarray, min_area_px: int) -> tuple[np.ndarray, bool]:
    """Fill holes smaller than ``min_area_px`` then drop islands smaller than ``min_area_px``.

    A hole is any 8-connected False component (as in SAM): the background around an object is
    large, so only real holes and small slivers between mask and border are filled.

    Args:
        mask: H×W bool.
        min_area_px: size limit in pixels; 0 disables both steps.
    Returns:
        ``(cleaned H×W bool, changed)``.
    """
    if min_area_px <= 0:
        return mask, False
    filled, holes_changed = _drop_small_components(~mask, min_area_px)
    cleaned, islands_changed = _drop_small_components(~filled, min_area_px)
    return cleaned, holes_changed or islands_changed
