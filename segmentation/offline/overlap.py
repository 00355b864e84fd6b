"""Keep tracked objects apart: a pixel belongs to at most one object on a tracked frame.

Two objects that touch and share shading (a kettle and a mug) would otherwise both grow over
the contact; SAM 2 resolves the same conflict by keeping the highest-scoring object per
pixel. Here a contested pixel goes to a *fixed* object when one claims it (a prompted mask,
or an object that this pass does not re-track), else to the object it lies deepest inside
(largest distance to that object's edge): the contact line then follows the middle of the
disputed band instead of the order the objects were tracked in.
"""

from __future__ import annotations

from collections.abc import Mapping

import cv2
import numpy as np

from segmentation.offline.masks import Roi, mask_bbox


def _depth(mask: np.ndarray) -> np.ndarray:
    """Distance (float32, pixels) from each pixel inside ``mask`` to its edge; 0 outside.
    The crop's border is not an edge (the mask may go on beyond it)."""
    padded = np.pad(mask.astype(np.uint8), 1, mode="edge")
    return cv2.distanceTransform(padded, cv2.DIST_L2, 3)[1:-1, 1:-1]


def separate(masks: Mapping[int, np.ndarray | None],
             fixed: Mapping[int, np.ndarray | None] | None = None) -> dict[int, np.ndarray | None]:
    """Masks of ``masks`` (object id → H×W bool or None) with every pixel that two of them
    claim given to one; pixels of ``fixed`` masks (not changed) are taken from all of them.

    Returns new arrays only for the objects that changed.
    """
    out: dict[int, np.ndarray | None] = dict(masks)
    taken = None
    for m in (fixed or {}).values():
        if m is not None:
            taken = m.copy() if taken is None else taken | m
    if taken is not None:
        for oid, m in out.items():
            if m is not None and (m & taken).any():
                out[oid] = m & ~taken
    live = [oid for oid, m in out.items() if m is not None and m.any()]
    if len(live) < 2:
        return out
    count = np.zeros(out[live[0]].shape, np.uint8)
    for oid in live:
        count += out[oid]
    if count.max() < 2:
        return out
    box = mask_bbox(count > 1)
    assert box is not None
    # Depth is measured in a region around the contest, wide enough for the objects' cores.
    pad = 64
    h, w = count.shape
    roi = Roi(max(0, box[0] - pad), max(0, box[1] - pad), min(w, box[2] + pad),
              min(h, box[3] + pad))
    depths = np.stack([_depth(roi.crop(out[oid])) for oid in live])
    winner = np.argmax(depths, axis=0)
    contested = roi.crop(count) > 1
    for k, oid in enumerate(live):
        lose = contested & (winner != k)
        if lose.any():
            m = out[oid].copy()  # type: ignore[union-attr]
            roi.crop(m)[lose] = False
            out[oid] = m
    return out
