"""``object-remove``: erase the object, temporally stabilised.

Pixels under the object are first filled from neighbouring frames where the background is
visible there (median over frames ``i ± temporal_frames`` whose mask leaves that pixel
uncovered: stable, no flicker, right for a steady camera); what no neighbour shows is filled
with OpenCV's Telea inpainting. Neighbours come from ``ctx.frames``/``ctx.masks``, so the
result is a pure function of the clip, the masks and the frame index.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from rendering.effects.base import Effect, EffectContext, param, register
from rendering.effects.object_outline import dilate
from rendering.effects.pixels import blend, rgb, with_rgb

_COVERED = 0.5      # mask value above which a pixel belongs to the object
_VISIBLE = 0.1      # neighbour mask value below which its background is usable
_INPAINT_AREA_PX = 8000  # holes larger than this are inpainted on a downscaled copy


def _neighbour_layers(ctx: EffectContext, size: tuple[int, int], radius: int
                      ) -> list[tuple[np.ndarray, np.ndarray]]:
    """(H×W×3 uint8 frame, H×W bool visible) of neighbouring frames, nearest first."""
    if ctx.frames is None or ctx.masks is None or ctx.object_id is None or radius <= 0:
        return []
    h, w = size
    out = []
    offsets = sorted((d for d in range(-radius, radius + 1) if d), key=abs)
    for d in offsets:
        j = ctx.frame_index + d
        if not 0 <= j < len(ctx.frames):
            continue
        m = ctx.masks.read(ctx.object_id, j)
        img = ctx.frames.read(j)
        if img.shape[:2] != (h, w):
            img = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
        if m is None:
            visible = np.ones((h, w), bool)
        else:
            if m.shape != (h, w):
                m = cv2.resize(m, (w, h), interpolation=cv2.INTER_LINEAR)
            visible = dilate(m.astype(np.float32), 2) < _VISIBLE
        out.append((img[..., :3], visible))
    return out


def temporal_fill(colour: np.ndarray, hole: np.ndarray, ctx: EffectContext, radius: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Fill ``hole`` (H×W bool) from neighbours; returns (filled H×W×3, still-missing bool)."""
    layers = _neighbour_layers(ctx, hole.shape, radius)
    filled, missing = colour.copy(), hole.copy()
    if not layers or not hole.any():
        return filled, missing
    ys, xs = np.nonzero(hole)
    stack = np.stack([img[ys, xs] for img, _ in layers]).astype(np.float32)     # K×N×3
    valid = np.stack([vis[ys, xs] for _, vis in layers])                        # K×N
    stack[~valid] = np.nan
    has = valid.any(axis=0)
    if has.any():
        med = np.nanmedian(stack[:, has], axis=0)
        filled[ys[has], xs[has]] = np.clip(med + 0.5, 0, 255).astype(np.uint8)
        missing[ys[has], xs[has]] = False
    return filled, missing


def inpaint(colour: np.ndarray, missing: np.ndarray, radius_px: float) -> np.ndarray:
    """Telea inpainting of ``missing`` (H×W bool); large holes are filled on a downscaled
    copy (the fill is smooth anyway; Telea's cost grows with the hole's area)."""
    area = int(np.count_nonzero(missing))
    factor = (area / _INPAINT_AREA_PX) ** 0.5
    hole = missing.astype(np.uint8) * 255
    if factor <= 1.5:
        return cv2.inpaint(colour, hole, radius_px, cv2.INPAINT_TELEA)
    h, w = missing.shape
    sw, sh = max(8, round(w / factor)), max(8, round(h / factor))
    small = cv2.resize(colour, (sw, sh), interpolation=cv2.INTER_AREA)
    small_hole = cv2.resize(hole, (sw, sh), interpolation=cv2.INTER_NEAREST)
    small_hole = cv2.dilate(small_hole, np.ones((3, 3), np.uint8))
    filled = cv2.inpaint(small, small_hole, max(1.0, radius_px / factor), cv2.INPAINT_TELEA)
    up = cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR)
    out = colour.copy()
    out[missing] = up[missing]
    return out


@register
@dataclass(frozen=True)
class ObjectRemove(Effect):
    """Erase the object: background from neighbouring frames, else inpainting."""

    name = "object-remove"
    inpaint_radius_px: float = param(5.0, "Inpaint radius (px)", min=1.0, max=30.0, step=1.0)
    temporal_frames: int = param(8, "Look ± frames", kind="int", min=0, max=30, step=1)
    margin_px: float = param(2.0, "Margin (px)", min=0.0, max=20.0, step=1.0)

    def apply(self, frame: np.ndarray, mask: np.ndarray, ctx: EffectContext) -> np.ndarray:
        colour = np.ascontiguousarray(rgb(frame))
        hole = dilate(mask, ctx.px(self.margin_px)) > _COVERED
        if not hole.any():
            return frame
        filled, missing = temporal_fill(colour, hole, ctx, int(self.temporal_frames))
        if missing.any():
            filled = inpaint(filled, missing, ctx.px(self.inpaint_radius_px))
        weight = np.maximum(mask, hole.astype(np.float32))
        return with_rgb(frame, blend(colour, filled, weight))
