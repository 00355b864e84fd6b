"""What the viewer shows for a frame, computed on a worker thread (decode or playback).

``make_compose(project, with_preview)`` snapshots the project's visible objects and effect
stacks (immutable) so the worker never touches the live document."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from editor.app.export import stacks_from_project
from editor.workers.decode import Compose, FrameBundle

PREVIEW_MAX_WIDTH_PX = 1280


def make_compose(project, with_preview: bool, fps: Fraction) -> Compose:
    """A function ``(frame_index, H×W×3 uint8 frame) → FrameBundle`` for worker threads."""
    store = project.masks
    ids = tuple(o.object_id for o in project.objects)
    stacks = None
    if with_preview:
        stacks = stacks_from_project(project)
        has_effects = bool(stacks.background) or any(s.effects for s in stacks.objects)
        stacks = stacks if has_effects else None

    def compose(frame_index: int, frame: np.ndarray) -> FrameBundle:
        masks = {}
        for oid in ids:
            alpha = store.read_alpha(oid, frame_index)
            if alpha is not None:
                masks[oid] = alpha
        preview = None
        if stacks is not None:
            from rendering.compositor import render_preview
            from rendering.effects import EffectContext

            soft = {oid: a.astype(np.float32) / 255.0 for oid, a in masks.items()}
            ctx = EffectContext(frame_index=frame_index, fps=fps, masks=store)
            preview = render_preview(frame, soft, stacks, ctx, PREVIEW_MAX_WIDTH_PX)
            if preview.ndim == 3 and preview.shape[2] == 4:
                preview = _over_checkerboard(preview)
        return FrameBundle(frame_index, frame, masks, preview)

    return compose


def _over_checkerboard(rgba: np.ndarray, cell_px: int = 12) -> np.ndarray:
    """Transparent pixels shown over a grey checkerboard (H×W×4 → H×W×3 uint8)."""
    h, w = rgba.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    board = np.where(((yy // cell_px) + (xx // cell_px)) % 2 == 0, 90, 60).astype(np.float32)
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    out = rgba[..., :3].astype(np.float32) * a + board[..., None] * (1 - a)
    return out.astype(np.uint8)
