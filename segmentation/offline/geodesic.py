"""Geodesic distance over an image: the cheapest path from seed pixels where every step costs
a constant plus the colour difference it crosses, so a path stays cheap inside a region of
coherent colour and pays at every strong edge.

Computed by raster sweeps (down, up, then along columns) whose in-line part is an exact
min-plus scan (cumulative sums and a running minimum), so each sweep is a few vectorised
numpy calls per row. Two rounds of sweeps are within a few percent of the exact (Dijkstra)
distance on natural images; paths that wind back and forth more than that are overestimated.
"""

from __future__ import annotations

import numpy as np

#: Distance given to pixels no seed reaches (only when there are no seeds).
UNREACHED: float = 1e9


def _scan(dist: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Relax ``dist`` along its last axis in both directions; ``step[..., x]`` is the cost
    between positions ``x − 1`` and ``x`` (``step[..., 0]`` is unused)."""
    cum = np.cumsum(step, axis=-1)
    dist = np.minimum(dist, cum + np.minimum.accumulate(dist - cum, axis=-1))
    back = np.zeros_like(step)
    back[..., :-1] = step[..., 1:]
    back = back[..., ::-1]
    cum_b = np.cumsum(back, axis=-1)
    rev = dist[..., ::-1]
    rev = np.minimum(rev, cum_b + np.minimum.accumulate(rev - cum_b, axis=-1))
    return rev[..., ::-1]


def _colour_step(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sqrt(((a - b) ** 2).sum(-1))


def geodesic_distance(image: np.ndarray, seeds: np.ndarray, step_cost: float,
                      rounds: int = 2) -> np.ndarray:
    """Geodesic distance (H×W float32) from the ``seeds`` (H×W bool) over 8-connected pixels.

    Args:
        image: H×W×C float32 (e.g. CIELAB, L in 0..100): a step between neighbours costs
            ``step_cost`` (× √2 diagonally) plus the Euclidean colour difference.
        seeds: H×W bool, distance 0.
        step_cost: cost of a step in a flat region (colour units per pixel).
        rounds: sweep rounds (each: down, up, along columns).
    """
    h, w = seeds.shape
    diag = float(np.sqrt(2.0)) * step_cost
    horiz = np.zeros((h, w), np.float32)
    horiz[:, 1:] = step_cost + _colour_step(image[:, 1:], image[:, :-1])
    vert = np.zeros((h, w), np.float32)
    vert[1:] = step_cost + _colour_step(image[1:], image[:-1])
    d_left = np.zeros((h, w), np.float32)   # (y, x) ↔ (y − 1, x − 1)
    d_left[1:, 1:] = diag + _colour_step(image[1:, 1:], image[:-1, :-1])
    d_right = np.zeros((h, w), np.float32)  # (y, x) ↔ (y − 1, x + 1)
    d_right[1:, :-1] = diag + _colour_step(image[1:, :-1], image[:-1, 1:])
    vert_t = np.ascontiguousarray(vert.T)
    dist = np.where(seeds, 0.0, UNREACHED).astype(np.float32)
    for _ in range(rounds):
        dist[0] = _scan(dist[0], horiz[0])
        for y in range(1, h):
            above = dist[y - 1]
            row = np.minimum(dist[y], above + vert[y])
            row[1:] = np.minimum(row[1:], above[:-1] + d_left[y, 1:])
            row[:-1] = np.minimum(row[:-1], above[1:] + d_right[y, :-1])
            dist[y] = _scan(row, horiz[y])
        for y in range(h - 2, -1, -1):
            below = dist[y + 1]
            row = np.minimum(dist[y], below + vert[y + 1])
            row[:-1] = np.minimum(row[:-1], below[1:] + d_left[y + 1, 1:])
            row[1:] = np.minimum(row[1:], below[:-1] + d_right[y + 1, :-1])
            dist[y] = _scan(row, horiz[y])
        dist = np.ascontiguousarray(_scan(np.ascontiguousarray(dist.T), vert_t).T)
    return dist
