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

Only the work area around the mask's outline is warped and averaged; elsewhere the
current frame and mask are returned unchanged.
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


def _flow_maps(grey_i: np.ndarray, grey_j: np.ndarray, box: tuple[int, int, int, int],
               shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """remap maps (float32, the box's size) of where each pixel of frame i's ``box`` lies
    in frame j, at full resolution ``shape``."""
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
    flow = dis.calc(grey_i, grey_j, None)
    h, w = shape
    sy, sx = h / grey_i.shape[0], w / grey_i.shape[1]
    y0, y1, x0, x1 = box
    # flow at the box's pixel centres, read bilinearly from the small grid
    gx = ((np.arange(x0, x1, dtype=np.float32) + 0.5) / np.float32(sx) - 0.5)
    gy = ((np.arange(y0, y1, dtype=np.float32) + 0.5) / np.float32(sy) - 0.5)
    map_gx, map_gy = np.meshgrid(gx, gy)
    f = cv2.remap(flow, map_gx, map_gy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    xs = np.arange(x0, x1, dtype=np.float32)[None, :] + f[..., 0] * np.float32(sx)
    ys = np.arange(y0, y1, dtype=np.float32)[:, None] + f[..., 1] * np.float32(sy)
    return xs, ys


def _fit(image: np.ndarray, shape: tuple[int, int], interpolation: int) -> np.ndarray:
    if image.shape[:2] == shape:
        return image
    return cv2.resize(image, (shape[1], shape[0]), interpolation=interpolation)


def steady_inputs(mask: np.ndarray, frame: np.ndarray, ctx: EffectContext, radius_frames: int,
                  box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(mask, frame) of ``ctx.frame_index`` averaged with their motion-compensated
    neighbours inside ``box``.

    Args:
        mask: H×W float32 [0, 1], the object's mask at frame ``ctx.frame_index``.
        frame: H×W×3 uint8 RGB, the frame, same size.
        ctx: needs ``frames``, ``masks`` and ``object_id``; without them nothing changes.
        radius_frames: k — frames i − k … i + k (those that exist and have a mask).
        box: (y0, y1, x0, x1), the work area (outside it the inputs are returned as is).
    Returns:
        (H×W float32 mask, H×W×3 uint8 frame) — new arrays, or the inputs themselves.
    """
    if radius_frames <= 0 or ctx.frames is None or ctx.masks is None or ctx.object_id is None:
        return mask, frame
    shape = mask.shape
    y0, y1, x0, x1 = box
    frame_box = frame[y0:y1, x0:x1, :3].astype(np.float32)
    mask_sum = mask[y0:y1, x0:x1].astype(np.float32)  # weight 1 for frame i itself
    frame_sum = frame_box.copy()
    weight_sum = np.ones(mask_sum.shape, np.float32)
    grey_i = _grey_small(frame, FLOW_WIDTH_PX)
    inv_two_var = np.float32(1.0 / (2.0 * 3.0 * CONSISTENCY_SIGMA ** 2))
    count = len(ctx.frames)
    for j in range(ctx.frame_index - radius_frames, ctx.frame_index + radius_frames + 1):
        if j == ctx.frame_index or j < 0 or j >= count:
            continue
        other_mask = ctx.masks.read(ctx.object_id, j)
        if other_mask is None:
            continue
        other = _fit(np.asarray(ctx.frames.read(j))[..., :3], shape, cv2.INTER_AREA)
        other_mask = _fit(np.asarray(other_mask, np.float32), shape, cv2.INTER_LINEAR)
        map_x, map_y = _flow_maps(grey_i, _grey_small(other, FLOW_WIDTH_PX), box, shape)
        warped = cv2.remap(other, map_x, map_y, cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
        warped_mask = cv2.remap(other_mask, map_x, map_y, cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REPLICATE)
        diff = warped - frame_box
        w = np.exp(-np.einsum("ijc,ijc->ij", diff, diff) * inv_two_var)
        # a smooth weight: one noisy pixel must not punch a hole in the average
        w = cv2.blur(w, (3, 3))
        weight_sum += w
        mask_sum += w * warped_mask
        frame_sum += w[..., None] * warped
    out_mask = mask.astype(np.float32, copy=True)
    out_mask[y0:y1, x0:x1] = mask_sum / weight_sum
    out_frame = np.array(frame[..., :3], copy=True)
    out_frame[y0:y1, x0:x1] = np.clip(frame_sum / weight_sum[..., None] + 0.5, 0, 255)
    return out_mask, out_frame
