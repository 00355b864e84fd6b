"""Steady edges: motion-compensated averaging of an object's mask and frame over ± k frames.

Refine edge reads the alpha off the frame's colours, so sensor noise and the tracker's
one-pixel jitter make a still edge shimmer from frame to frame. Before refining, the
neighbouring frames ``i ± 1 … i ± k`` and their masks (read from ``ctx.frames`` /
``ctx.masks``, so the result is a function of the clip, not of the order frames are
rendered in) are warped onto frame ``i`` with dense optical flow (OpenCV's DIS, on a
grey copy at most :data:`FLOW_WIDTH_PX` wide) and averaged with per-pixel weights
``exp(−|I_i − warped I_j|² / 2σ²)``: where the warp is right (static parts, and moving parts
the flow follows) the noise and jitter average out; where it is wrong (occlusions, a fast
or deforming edge the flow misses) the neighbour's weight falls to ~0 and frame ``i``
stands alone — no lag.

Only the pixels near the mask's outline (those Refine edge reads) are warped and averaged,
as lists of pixels, not whole frames; elsewhere the current frame and mask are returned
unchanged.
"""

from __future__ import annotations

import cv2
import numpy as np

from rendering.effects.base import EffectContext

#: optical flow runs on a grey copy of the frames at most this wide (pixels)
FLOW_WIDTH_PX = 480
#: σ of the photometric consistency weight (RGB levels, 0–255, per channel RMS)
CONSISTENCY_SIGMA = 10.0


def _grey_small(frame: np.ndarray, width: int) -> np.ndarray:
    grey = cv2.cvtColor(np.ascontiguousarray(frame[..., :3]), cv2.COLOR_RGB2GRAY)
    h, w = grey.shape
    if w <= width:
        return grey
    return cv2.resize(grey, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)


def _sample_maps(coords: np.ndarray) -> np.ndarray:
    """N indices → a rows×1024 float32 ``cv2.remap`` map (both sides must stay under 32767;
    the tail is padded with zeros)."""
    rows = max(1, -(-len(coords) // 1024))
    out = np.zeros(rows * 1024, np.float32)
    out[:len(coords)] = coords
    return out.reshape(rows, 1024)


def _read_at(image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray, n: int) -> np.ndarray:
    """Bilinear reads of ``image`` (h×w×C or h×w) at the maps' first ``n`` positions:
    N×C (or N) float32."""
    got = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return got.reshape(-1, *image.shape[2:])[:n].astype(np.float32, copy=False)


def _warp_positions(grey_i: np.ndarray, grey_j: np.ndarray, ys: np.ndarray, xs: np.ndarray,
                    shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """remap maps of where the pixels (ys, xs) of frame i lie in frame j (full resolution
    ``shape``), from DIS optical flow between the small grey frames."""
    flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST).calc(grey_i, grey_j, None)
    sy, sx = shape[0] / grey_i.shape[0], shape[1] / grey_i.shape[1]
    gx = _sample_maps((xs + 0.5) / sx - 0.5)
    gy = _sample_maps((ys + 0.5) / sy - 0.5)
    f = _read_at(flow, gx, gy, len(xs))
    return (_sample_maps(xs + f[:, 0] * np.float32(sx)),
            _sample_maps(ys + f[:, 1] * np.float32(sy)))


def _fit(image: np.ndarray, shape: tuple[int, int], interpolation: int) -> np.ndarray:
    if image.shape[:2] == shape:
        return image
    return cv2.resize(image, (shape[1], shape[0]), interpolation=interpolation)


def steady_inputs(mask: np.ndarray, frame: np.ndarray, ctx: EffectContext, radius_frames: int,
                  ys: np.ndarray, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mask, frame) of ``ctx.frame_index`` averaged with their motion-compensated
    neighbours at the pixels (ys, xs).

    Args:
        mask: H×W float32 [0, 1], the object's mask at frame ``ctx.frame_index``.
        frame: H×W×3 uint8 RGB, the frame, same size.
        ctx: needs ``frames``, ``masks`` and ``object_id``; without them nothing changes.
        radius_frames: k — frames i − k … i + k (those that exist and have a mask).
        ys, xs: int arrays, the pixels to average (the work area around the outline);
            every other pixel is returned as it is.
    Returns:
        (H×W float32 mask, H×W×3 uint8 frame) — new arrays, or the inputs themselves.
    """
    if (radius_frames <= 0 or ctx.frames is None or ctx.masks is None or ctx.object_id is None
            or len(ys) == 0):
        return mask, frame
    shape = mask.shape
    n = len(ys)
    colour = frame[ys, xs, :3].astype(np.float32)
    mask_sum = mask[ys, xs].astype(np.float32)  # weight 1 for frame i itself
    frame_sum = colour.copy()
    weight_sum = np.ones(n, np.float32)
    grey_i = _grey_small(frame, FLOW_WIDTH_PX)
    inv_two_var = np.float32(1.0 / (2.0 * 3.0 * CONSISTENCY_SIGMA ** 2))
    fys, fxs = ys.astype(np.float32), xs.astype(np.float32)
    for j in range(ctx.frame_index - radius_frames, ctx.frame_index + radius_frames + 1):
        if j == ctx.frame_index or j < 0 or j >= len(ctx.frames):
            continue
        other_mask = ctx.masks.read(ctx.object_id, j)
        if other_mask is None:
            continue
        other = _fit(np.asarray(ctx.frames.read(j))[..., :3], shape, cv2.INTER_AREA)
        other_mask = _fit(np.asarray(other_mask, np.float32), shape, cv2.INTER_LINEAR)
        map_x, map_y = _warp_positions(grey_i, _grey_small(other, FLOW_WIDTH_PX), fys, fxs,
                                       shape)
        warped = _read_at(np.ascontiguousarray(other), map_x, map_y, n)
        diff = warped - colour
        w = np.exp(-np.einsum("ij,ij->i", diff, diff) * inv_two_var)
        weight_sum += w
        mask_sum += w * _read_at(other_mask, map_x, map_y, n)
        frame_sum += w[:, None] * warped
    out_mask = mask.astype(np.float32, copy=True)
    out_mask[ys, xs] = mask_sum / weight_sum
    out_frame = np.array(frame[..., :3], copy=True)
    out_frame[ys, xs] = np.clip(frame_sum / weight_sum[:, None] + 0.5, 0, 255)
    return out_mask, out_frame
