"""Per-object mask refinement, applied before the object's effects.

Order: steady edge (only with Refine edge: the mask and the guiding frame averaged with their
motion-compensated neighbours ``i ± edge_steady_frames`` around the outline,
:mod:`rendering.effects.edge_temporal`) → temporal smoothing (plain mean over frames
``i ± temporal_frames`` from ``ctx.masks``) →
grow/shrink (grey-level dilation/erosion, px) → fill holes / remove specks (connected
components smaller than the area, px², on the 0.5 level set) → threshold (hard edge, only
when set) → refine edge (a soft alpha from the frame's colours in a band of ``edge_band_px``
around the outline, :mod:`rendering.effects.edge_matting`; optionally the band's foreground
colours too) → feather (Gaussian, sigma = feather_px / 2) → invert. Without a threshold the
soft edge of the store's alpha (the model's sigmoid) is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from rendering.effects.base import EffectContext, param
from rendering.effects.edge_matting import band_box, refine_edge
from rendering.effects.edge_temporal import steady_inputs


def _disc(radius_px: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius_px + 1, 2 * radius_px + 1))


def _small_components(binary: np.ndarray, max_area_px: float) -> np.ndarray:
    """H×W bool of 8-connected components of ``binary`` with area < ``max_area_px``."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary.astype(np.uint8), 8)
    small = np.zeros(count, bool)
    small[1:] = stats[1:, cv2.CC_STAT_AREA] < max_area_px
    return small[labels]


@dataclass(frozen=True)
class MaskRefinement:
    """How an object's mask is cleaned up (all lengths in source pixels)."""

    threshold: float | None = param(None, "Hard edge at", min=0.0, max=1.0, step=0.05,
                                    none_label="Off (soft edge)")
    feather_px: float = param(0.0, "Feather (px)", min=0.0, max=100.0, step=0.5)
    grow_px: float = param(0.0, "Grow / shrink (px)", min=-50.0, max=50.0, step=1.0)
    fill_holes_area_px: float = param(0.0, "Fill holes up to (px²)", min=0.0, max=1e6)
    remove_specks_area_px: float = param(0.0, "Remove specks up to (px²)", min=0.0, max=1e6)
    temporal_frames: int = param(0, "Smooth over ± frames", kind="int", min=0, max=10)
    invert: bool = param(False, "Invert", kind="bool")
    edge_band_px: float = param(0.0, "Refine edge: band (px, 0 = off)", min=0.0, max=50.0,
                                step=0.5)
    edge_strength: float = param(1.0, "Refine edge: strength", min=0.0, max=1.0, step=0.05)
    decontaminate: bool = param(False, "Refine edge: decontaminate colours", kind="bool")
    edge_steady_frames: int = param(0, "Refine edge: steady over ± frames", kind="int",
                                    min=0, max=4)

    @property
    def is_identity(self) -> bool:
        return self == MaskRefinement()

    @property
    def refines_edge(self) -> bool:
        return self.edge_band_px > 0 and self.edge_strength > 0

    def apply(self, mask: np.ndarray, ctx: EffectContext,
              frame: np.ndarray | None = None) -> np.ndarray:
        """Refined H×W float32 [0, 1] mask for ``ctx.frame_index`` / ``ctx.object_id``.

        ``frame`` (H×W×3 uint8 RGB, the mask's size) guides Refine edge; without it the
        clip's frame is read from ``ctx.frames`` (resized), and without either the edge is
        left as it is."""
        return self.refine(mask, ctx, frame)[0]

    def refine(self, mask: np.ndarray, ctx: EffectContext, frame: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray | None]:
        """(refined mask, the frame with the edge band's colours decontaminated or None).

        The second item is set only when ``decontaminate`` is on and Refine edge ran."""
        m = np.asarray(mask, np.float32)
        guide = None
        if self.refines_edge:
            guide = frame if frame is not None else self._clip_frame(ctx, m.shape)
        source = guide
        if guide is not None and self.edge_steady_frames > 0:
            m, guide = self._steady(m, guide, ctx)
        if self.temporal_frames > 0:
            m = self._smooth(m, ctx)
        grow = int(round(ctx.px(self.grow_px)))
        if grow > 0:
            m = cv2.dilate(m, _disc(grow))
        elif grow < 0:
            m = cv2.erode(m, _disc(-grow))
        area_scale = ctx.scale * ctx.scale
        if self.fill_holes_area_px > 0:
            holes = _small_components(m < 0.5, self.fill_holes_area_px * area_scale)
            m = np.where(holes, np.float32(1.0), m)
        if self.remove_specks_area_px > 0:
            specks = _small_components(m >= 0.5, self.remove_specks_area_px * area_scale)
            m = np.where(specks, np.float32(0.0), m)
        if self.threshold is not None:
            m = (m >= self.threshold).astype(np.float32)
        colours = None
        if guide is not None:
            m, colours = refine_edge(m, guide, max(1.0, ctx.px(self.edge_band_px)),
                                     self.edge_strength, self.decontaminate, base=source)
        sigma = ctx.px(self.feather_px) / 2.0
        if sigma >= 0.3:
            m = cv2.GaussianBlur(m, (0, 0), sigma)
        if self.invert:
            m = 1.0 - m
        return np.clip(m, 0.0, 1.0).astype(np.float32, copy=False), colours

    @staticmethod
    def _clip_frame(ctx: EffectContext, shape: tuple[int, ...]) -> np.ndarray | None:
        if ctx.frames is None:
            return None
        frame = np.asarray(ctx.frames.read(ctx.frame_index))[..., :3]
        if frame.shape[:2] != shape:
            frame = cv2.resize(frame, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
        return frame

    def _steady(self, m: np.ndarray, guide: np.ndarray, ctx: EffectContext
                ) -> tuple[np.ndarray, np.ndarray]:
        """Motion-compensated mean of the mask and the guide over ± ``edge_steady_frames``
        (:mod:`rendering.effects.edge_temporal`), at the pixels Refine edge will read."""
        # the band and a margin: the colour models are means over many pixels and hardly
        # shimmer; the band's own colours and the outline's place are what must hold still
        band = max(1, int(round(ctx.px(self.edge_band_px))))
        pad = 2 * band + 2 + int(abs(ctx.px(self.grow_px)))
        box = band_box(m, pad)
        if box is None:
            return m, guide
        y0, y1, x0, x1 = box
        hard = (m[y0:y1, x0:x1] >= 0.5).astype(np.uint8)
        square = np.ones((2 * pad + 1, 2 * pad + 1), np.uint8)  # separable: fast
        ys, xs = np.nonzero(cv2.dilate(hard, square) - cv2.erode(hard, square))
        return steady_inputs(m, guide, ctx, self.edge_steady_frames, ys + y0, xs + x0)

    def _smooth(self, m: np.ndarray, ctx: EffectContext) -> np.ndarray:
        if ctx.masks is None or ctx.object_id is None:
            return m
        total, count = m.astype(np.float32).copy(), 1
        for d in range(-self.temporal_frames, self.temporal_frames + 1):
            j = ctx.frame_index + d
            if d == 0 or j < 0:
                continue
            other = ctx.masks.read(ctx.object_id, j)
            if other is None:
                continue
            if other.shape != m.shape:
                other = cv2.resize(other, (m.shape[1], m.shape[0]),
                                   interpolation=cv2.INTER_LINEAR)
            total += other
            count += 1
        return total / count
