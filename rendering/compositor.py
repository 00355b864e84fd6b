"""One frame in, one finished frame out: shared by the editor's preview and the export.

``render_frame(frame, masks, stacks, ctx)``:

1. every object's mask (H×W float32 [0, 1], resized to the frame if needed) is refined
   (:class:`~rendering.effects.refine.MaskRefinement`, with the frame guiding Refine edge;
   "decontaminate colours" replaces the frame's colours in the object's edge band with the
   estimated foreground colours, so every effect after it sees the clean edge);
2. z-order: ``stacks.objects`` is bottom → top; each object's *visible* mask is its mask times
   ``1 − mask`` of every object above it, so where objects overlap the upper one wins;
3. the background stack runs with the union of the visible masks;
4. the object stacks run bottom → top, each with its visible mask.

Output: H×W×3 uint8 RGB, or H×W×4 RGBA when an effect makes transparency
(``background-remove``, ``cutout``).

``render_preview`` runs the same on a frame scaled down to ``max_width_px`` (pixel parameters
scaled with it), for the editor's viewer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import cv2
import numpy as np

from rendering.effects.base import EffectContext
from rendering.effects.stack import EffectInstance, RenderStacks


def _fit_mask(mask: np.ndarray, height: int, width: int) -> np.ndarray:
    m = np.asarray(mask, np.float32)
    if m.shape != (height, width):
        m = cv2.resize(m, (width, height), interpolation=cv2.INTER_LINEAR)
    return m


def visible_masks(masks: Mapping[int, np.ndarray | None], stacks: RenderStacks,
                  ctx: EffectContext, height: int, width: int,
                  frame: np.ndarray | None = None) -> dict[int, np.ndarray]:
    """Refined, occlusion-resolved H×W float32 masks of the visible objects with masks
    (``frame``, H×W×3 uint8, guides Refine edge; else the clip's frame from ``ctx``)."""
    return refine_masks(masks, stacks, ctx, height, width, frame)[0]


def refine_masks(masks: Mapping[int, np.ndarray | None], stacks: RenderStacks,
                 ctx: EffectContext, height: int, width: int, frame: np.ndarray | None
                 ) -> tuple[dict[int, np.ndarray], np.ndarray | None]:
    """(:func:`visible_masks`, ``frame`` with decontaminated edge colours — ``frame`` itself
    when no object asks for it)."""
    refined: list[tuple[int, np.ndarray]] = []
    for stack in stacks.objects:
        raw = masks.get(stack.object_id)
        if raw is None or not stack.visible:
            continue
        m = _fit_mask(raw, height, width)
        if not stack.refinement.is_identity:
            guide = None if frame is None else frame[..., :3]
            m, colours = stack.refinement.refine(m, ctx.with_object(stack.object_id), guide)
            if colours is not None and frame is not None:
                frame = colours if frame.shape[2] == 3 else np.dstack([colours, frame[..., 3]])
        refined.append((stack.object_id, m))
    out: dict[int, np.ndarray] = {}
    above = None
    for k, (object_id, m) in enumerate(reversed(refined)):  # top first
        out[object_id] = m if above is None else m * (1.0 - above)
        if k + 1 < len(refined):  # an object below needs the cover of those above
            above = m.copy() if above is None else np.maximum(above, m)
    return out, frame


def _union(masks: list[np.ndarray], height: int, width: int) -> np.ndarray:
    """Pixel-wise maximum of ``masks`` (the mask itself when there is one: read-only)."""
    if len(masks) == 1:
        return masks[0]
    union = np.zeros((height, width), np.float32)
    for m in masks:
        np.maximum(union, m, out=union)
    return union


def _run(effects: tuple[EffectInstance, ...], frame: np.ndarray, mask: np.ndarray,
         ctx: EffectContext) -> np.ndarray:
    for inst in effects:
        if inst.enabled:
            frame = inst.at(ctx.frame_index).apply(frame, mask, ctx)
    return frame


def render_frame(frame: np.ndarray, masks: Mapping[int, np.ndarray | None],
                 stacks: RenderStacks, ctx: EffectContext | None = None) -> np.ndarray:
    """Apply ``stacks`` to ``frame`` (H×W×3 uint8 RGB) with per-object ``masks``.

    Args:
        frame: the source frame at output resolution.
        masks: object id → H×W float32 [0, 1] mask (any resolution; resized) or None.
        stacks: object stacks in z-order (bottom first) and the background stack.
        ctx: frame index, fps, scale and sources (see :class:`EffectContext`); default frame 0
            with no sources.
    Returns:
        H×W×3 uint8 RGB, or H×W×4 uint8 RGBA if an effect made transparency.
    """
    ctx = EffectContext() if ctx is None else ctx
    h, w = frame.shape[:2]
    vis, out = refine_masks(masks, stacks, ctx, h, w, frame)
    if any(e.enabled for e in stacks.background):
        out = _run(stacks.background, out, _union(list(vis.values()), h, w),
                   ctx.with_object(None))
    for stack in stacks.objects:
        if stack.object_id in vis and stack.effects:
            out = _run(stack.effects, out, vis[stack.object_id], ctx.with_object(stack.object_id))
    if stacks.makes_alpha and out.shape[2] == 3:
        out = np.dstack([out, np.full((h, w), 255, np.uint8)])
    return out


def preview_size(width: int, height: int, max_width_px: int) -> tuple[int, int, float]:
    """(width, height, scale) of the preview of a width×height frame."""
    if width <= max_width_px:
        return width, height, 1.0
    scale = max_width_px / width
    return max_width_px, max(1, round(height * scale)), scale


def render_preview(frame: np.ndarray, masks: Mapping[int, np.ndarray | None],
                   stacks: RenderStacks, ctx: EffectContext | None = None,
                   max_width_px: int = 640) -> np.ndarray:
    """``render_frame`` at reduced resolution (at most ``max_width_px`` wide)."""
    ctx = EffectContext() if ctx is None else ctx
    h, w = frame.shape[:2]
    pw, ph, scale = preview_size(w, h, max_width_px)
    if scale != 1.0:
        frame = cv2.resize(frame, (pw, ph), interpolation=cv2.INTER_AREA)
        masks = {k: None if m is None else _fit_mask(m, ph, pw) for k, m in masks.items()}
    return render_frame(frame, masks, stacks, dataclasses.replace(ctx, scale=ctx.scale * scale))
