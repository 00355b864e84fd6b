"""Give a segmentation back the thin parts GrabCut cut off (a swan's neck, legs, a tail).

GrabCut's smoothness term makes cutting a thin protrusion cheaper than following its outline,
the more so at the reduced resolution it runs at, so a click's mask tends to be the object's
compact body. The protrusions usually share the body's colours, and differ from what
surrounds the object. So: colour histograms of the mask and of a ring around it, and every
pixel of the ring whose colour is more likely under the mask's histogram than under the ring's
(by a log-likelihood margin) *and* that is connected to the mask through such pixels is added.
The ring bounds how far the mask can grow (a fraction of the mask's size); connectivity keeps
look-alikes elsewhere in the ring out; the ring's own histogram keeps the surroundings' colours
out (a dark swan's neck joins the body, the green water around it does not).
"""

from __future__ import annotations

import cv2
import numpy as np

#: Histogram bins per RGB channel (16³ = 4096 colours).
BINS: int = 16

#: The ring reaches this fraction of the mask's longer side beyond it.
RING_FRAC: float = 0.8

#: A ring pixel joins when log p(colour | mask) − log p(colour | ring) exceeds this.
MARGIN: float = 0.5


def colour_index(frame_rgb: np.ndarray) -> np.ndarray:
    """H×W int32 histogram bin (``BINS``³ bins) of each pixel of an RGB uint8 image."""
    q = (frame_rgb // (256 // BINS)).astype(np.int32)
    return (q[..., 0] * BINS + q[..., 1]) * BINS + q[..., 2]


def log_density(index: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Log-probability of every bin under the (smoothed) histogram of ``index[where]``."""
    counts = np.bincount(index[where], minlength=BINS ** 3).astype(np.float64)
    return np.log((counts + 0.5) / (counts.sum() + 0.5 * BINS ** 3))


def grow_by_colour(frame_rgb: np.ndarray, mask: np.ndarray, excluded: np.ndarray | None = None,
                   ring_frac: float | None = None, margin: float | None = None) -> np.ndarray:
    """The mask (H×W bool) plus the connected ring pixels of the object's colours.

    Args:
        frame_rgb: H×W×3 uint8 RGB frame.
        mask: H×W bool object mask (unchanged when empty).
        excluded: H×W bool region that never joins (the exclude clicks'), or None.
        ring_frac: ring width as a fraction of the mask's longer side (default ``RING_FRAC``).
        margin: log-likelihood margin (default ``MARGIN``).
    """
    ring_frac = RING_FRAC if ring_frac is None else ring_frac
    margin = MARGIN if margin is None else margin
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return mask.copy()
    side = max(int(xs.max() - xs.min()), int(ys.max() - ys.min())) + 1
    ring_px = max(2.0, ring_frac * side)
    outside = cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 3)
    ring = (outside > 0) & (outside <= ring_px)
    if excluded is not None:
        ring &= ~excluded
    if not ring.any():
        return mask.copy()
    index = colour_index(frame_rgb)
    ratio = log_density(index, mask) - log_density(index, ring)
    grown = mask | (ring & (ratio[index] > margin))
    _, comp = cv2.connectedComponents(grown.astype(np.uint8), connectivity=4)
    keep = np.unique(comp[mask])
    return np.isin(comp, keep[keep > 0])
