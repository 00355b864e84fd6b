"""The grid of point prompts."""

from __future__ import annotations

import numpy as np


def point_grid_xy(points_per_side: int, width_px: int, height_px: int) -> np.ndarray:
    """Cell-centre grid of ``points_per_side²`` points over a ``width_px × height_px`` image.

    Returns:
        N×2 float32 ``(x, y)`` pixel coordinates of the original image, row-major
        (y outer, x inner). Point ``(i, j)`` sits at ``((j + 0.5) / n · W, (i + 0.5) / n · H)``.
    """
    n = int(points_per_side)
    if n < 1:
        raise ValueError(f"points_per_side must be ≥ 1, got {n}")
    frac = (np.arange(n, dtype=np.float64) + 0.5) / n
    ys, xs = np.meshgrid(frac * height_px, frac * width_px, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)


def batches(count: int, batch_size: int) -> list[slice]:
    """Consecutive slices of at most ``batch_size`` covering ``range(count)``."""
    return [slice(i, min(i + batch_size, count)) for i in range(0, count, batch_size)]
