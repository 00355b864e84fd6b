"""Low-resolution mask logits → video resolution: bilinear (official) or image-guided.

SAM 2 predicts S/4×S/4 logits (256×256 for the 1024 models, 128×128 for the 512 ones) and
the official path resizes them bilinearly. ``"guided"`` is a joint bilateral upsampling
(Kopf et al. 2007) whose spatial kernel *is* bilinear interpolation: each output pixel
averages its four low-res neighbours with their bilinear weights times a colour weight
``exp(-|I(x) - Ī(cell)|² / 2σ²)``, where ``Ī(cell)`` is the frame's mean colour over that
low-res cell. So a pixel takes its value from the neighbouring cells that look like it, and
the edge moves onto the colour edge inside the cell it crosses. Where the neighbours have
one colour (flat regions, texture finer than a cell that averages out) the weights are the
bilinear ones: the output is the official one. It is computed only where it can move the
edge — pixels whose four neighbours lie on both sides of the mask's level, and the pixels
of the neighbouring cells (so the soft values do not jump right next to the edge) —;
elsewhere it is bilinear exactly (with σ → ∞ it is bilinear everywhere). A weighted mean of
the neighbours cannot leave their range, so the edge moves at most about one cell: it
corrects where inside the cell it crosses, not a model that is a cell or more off.

numpy + OpenCV only; CPU. Values are interpolated as given (logits here; the benchmark
passes probabilities with ``threshold=0.5``); an absent object (every logit exactly
:data:`~segmentation.types.ABSENT_LOGIT`) is returned unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from segmentation.types import ABSENT_LOGIT

UPSAMPLE_METHODS = ("bilinear", "guided")


@dataclass(frozen=True)
class GuidedParams:
    """Joint bilateral settings.

    Attributes:
        colour_sigma: σ of the colour weight, RGB in [0, 1] (larger = closer to bilinear).
    """

    colour_sigma: float = 0.1


def _edge_band(low: np.ndarray, threshold: float, uy: np.ndarray, ux: np.ndarray
               ) -> np.ndarray:
    """H×W bool: pixels whose 2×2 low-res neighbours, or a neighbouring 2×2 block's, are on
    both sides of ``threshold`` (only there can the colour weights move the edge).

    ``uy`` (H,) and ``ux`` (W,) are the pixels' continuous low-res coordinates.
    """
    inside = np.pad(low > threshold, 1, mode="edge")
    # block (i, j) = cells (i-1..i, j-1..j) of the unpadded map, i.e. the neighbours of the
    # pixels with floor(u) = i - 1
    blocks = [inside[:-1, :-1], inside[1:, :-1], inside[:-1, 1:], inside[1:, 1:]]
    mixed = (np.any(blocks, axis=0) & ~np.all(blocks, axis=0)).astype(np.uint8)
    mixed = cv2.dilate(mixed, np.ones((3, 3), np.uint8))
    rows = np.clip(np.floor(uy).astype(np.int64) + 1, 0, mixed.shape[0] - 1)
    cols = np.clip(np.floor(ux).astype(np.int64) + 1, 0, mixed.shape[1] - 1)
    return mixed[rows][:, cols].astype(bool)


def guided_upsample(low_res: np.ndarray, frame: np.ndarray,
                    params: GuidedParams = GuidedParams(), threshold: float = 0.0
                    ) -> np.ndarray:
    """h×w float32 map (logits, or probabilities with ``threshold=0.5``) → H×W float32.

    Args:
        low_res: h×w float32 (any aspect; stretched to the frame like SAM 2).
        frame: H×W×3 uint8 RGB at the output resolution.
        params: see :class:`GuidedParams`.
        threshold: the mask's level (the band follows its edge).
    Returns:
        H×W float32: bilinear outside the band, joint bilateral inside it.
    """
    height, width = frame.shape[:2]
    low = np.asarray(low_res, np.float32)
    h, w = low.shape
    out = cv2.resize(low, (width, height), interpolation=cv2.INTER_LINEAR)
    # continuous low-res coordinates of the pixels (half-pixel centres, as cv2/F.interpolate)
    row_u = (np.arange(height) + 0.5) * (h / height) - 0.5
    col_u = (np.arange(width) + 0.5) * (w / width) - 0.5
    ys, xs = np.nonzero(_edge_band(low, threshold, row_u, col_u))
    if ys.size == 0:
        return out
    # the frame's mean colour over each low-res cell, and the band pixels' own colours
    cell_rgb = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    rgb = frame[ys, xs].astype(np.float32)
    inv_two_var = np.float32(1.0 / (2.0 * (255.0 * params.colour_sigma) ** 2))
    uy, ux = row_u[ys], col_u[xs]
    y0, x0 = np.floor(uy).astype(np.int64), np.floor(ux).astype(np.int64)
    num = np.zeros(ys.size, np.float64)
    den = np.zeros(ys.size, np.float64)
    for dy in (0, 1):
        iy = np.clip(y0 + dy, 0, h - 1)
        wy = 1.0 - np.abs(uy - (y0 + dy))
        for dx in (0, 1):
            ix = np.clip(x0 + dx, 0, w - 1)
            weight = wy * (1.0 - np.abs(ux - (x0 + dx)))
            dist2 = ((rgb - cell_rgb[iy, ix]) ** 2).sum(axis=1)
            # the floor keeps the bilinear weights where every colour weight underflows
            weight = weight * (np.exp(-dist2 * inv_two_var) + 1e-30)
            num += weight * low[iy, ix]
            den += weight
    out[ys, xs] = (num / np.maximum(den, 1e-300)).astype(np.float32)
    return out


def upsample_logits(low_res: np.ndarray, height: int, width: int, method: str = "bilinear",
                    frame: np.ndarray | None = None,
                    params: GuidedParams = GuidedParams()) -> np.ndarray:
    """O×h×w float32 logits → O×H×W float32 logits at video resolution.

    ``method="bilinear"``: the official resize (align_corners False; OpenCV's half-pixel
    centres match it). ``"guided"``: :func:`guided_upsample` with ``frame`` (H×W×3 uint8
    RGB) as the guide; objects that are absent (all ``ABSENT_LOGIT``) stay exactly absent.
    """
    if method not in UPSAMPLE_METHODS:
        raise ValueError(f"upsample method must be one of {UPSAMPLE_METHODS}, got {method!r}")
    low = np.asarray(low_res, np.float32)
    out = np.empty((low.shape[0], height, width), np.float32)
    for i, plane in enumerate(low):
        if np.all(plane == ABSENT_LOGIT):
            out[i] = ABSENT_LOGIT
        elif method == "bilinear" or frame is None:
            out[i] = cv2.resize(plane, (width, height), interpolation=cv2.INTER_LINEAR)
        else:
            if frame.shape[:2] != (height, width):
                raise ValueError(f"guide frame is {frame.shape[:2]}, output {height}×{width}")
            out[i] = guided_upsample(plane, frame, params)
    return out
