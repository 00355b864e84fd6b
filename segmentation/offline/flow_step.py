"""One propagation step of the offline engine: warp the previous mask by dense optical flow,
then refine it with GrabCut in a band around its edge.

Everything runs inside a region around the previous mask, downscaled so its longer side is
at most ``work_side_px``: the cost per frame depends on that size, not on the frame size.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from segmentation.offline.appearance import ColorModels, learn, log_likelihood, segment_with
from segmentation.offline.confidence import StepEvidence
from segmentation.offline.initial import grabcut_labels
from segmentation.offline.masks import Roi, grow_box, mask_bbox, remove_specks
from segmentation.offline.motion_gate import moves_with_object


@dataclass(frozen=True)
class FlowParams:
    """Tuning of one propagation step (defaults chosen on DAVIS-2016 by leave-one-clip-out
    cross-validation: ``benchmarks/bench_offline.py --cv``).

    Attributes:
        margin_frac: the region is the previous mask's box grown by this fraction of its
            larger side (room for the motion between two frames).
        margin_min_px: smallest growth of the region, frame pixels.
        work_side_px: flow and GrabCut run on the region downscaled to this longer side.
        grabcut_iterations: GrabCut iterations per frame.
        band_frac: half-width of the uncertain band around the warped edge, as a fraction of
            sqrt(object area) (work pixels); inside it GrabCut decides, outside labels are fixed.
        band_min_px: smallest band half-width, work pixels.
        min_area_px: a mask smaller than this (frame pixels) means the object is lost.
        flow_preset: DIS optical-flow preset (0 ultrafast, 1 fast, 2 medium).
        hard_core: fix the warped mask's eroded core as object (else GrabCut may drop it:
            uncovered background behind a moving object is warped inside by the flow).
        follow_median: also move the whole previous mask by the object's median flow, so
            parts hidden by a thin occluder (a pole) or missed by the flow are carried along.
        grow_factor: the mask may grow at most this many band widths beyond the warped one.
        core_factor: the hard core is the warped mask eroded by this many band widths.
        consistency: where forward and backward flows disagree (disocclusions) keep the
            previous mask's value and leave the pixel out of the hard core (costs a second
            flow; measured slightly worse on DAVIS, so off by default).
        core_in_model: learn the object colours from the core as well as the prompted frame.
        motion_gate: beyond ``gate_band_px`` of the warped mask, the mask grows only onto
            pixels that move like the object (:mod:`segmentation.offline.motion_gate`), so it
            does not creep onto a touching neighbour of similar colours.
        gate_band_px: the thin band (work pixels) the mask may always grow by (flow errors);
            wider, it is a step the mask can creep by on every frame.
        gate_min_difference_px: motions closer than this (work pixels per frame) are alike.
        gate_still: where object and surroundings move alike, keep the ring out too.
        gate_colour_llr: the gate keeps out only ring pixels whose log-likelihood ratio
            (object / background colours of the prompted frame's models) is below this;
            0: where the colours say object, they decide, not the motion.
    """

    margin_frac: float = 0.3
    margin_min_px: int = 32
    work_side_px: int = 320
    grabcut_iterations: int = 2
    band_frac: float = 0.08
    band_min_px: int = 3
    min_area_px: int = 20
    flow_preset: int = 2
    hard_core: bool = True
    consistency: bool = False
    core_factor: float = 1.0
    grow_factor: float = 3.0
    follow_median: bool = True
    core_in_model: bool = True
    motion_gate: bool = True
    gate_band_px: int = 1
    gate_still: bool = True
    gate_colour_llr: float = 0.0
    gate_min_difference_px: float = 0.5


@dataclass(frozen=True)
class StepResult:
    """Mask on the new frame (H×W bool, None when lost) and what the step measured about it
    (None when lost); :class:`~segmentation.offline.confidence.ConfidenceModel` turns the
    evidence into a confidence."""

    mask: np.ndarray | None
    evidence: StepEvidence | None


#: A refined mask under this fraction of the warped one has collapsed (see ``step``).
COLLAPSE_FRAC: float = 0.2

#: Most mask pixels whose colour likelihood is evaluated for the evidence.
_COLOUR_SAMPLES: int = 1500


def measure(cur_small: np.ndarray, warped_inside: np.ndarray, refined: np.ndarray,
            models: ColorModels | None, ref_area: float) -> StepEvidence:
    """Evidence about a refined mask (all arrays at work resolution: h×w×3 uint8 RGB crop,
    h×w bool warped and refined masks); ``ref_area``: the object's area on its prompted
    frame in work pixels (0 = unknown)."""
    area = float(np.count_nonzero(refined))
    union = np.count_nonzero(refined | warped_inside)
    agreement = np.count_nonzero(refined & warped_inside) / union if union else 0.0
    jump = abs(np.log((area + 1.0) / (float(np.count_nonzero(warped_inside)) + 1.0)))
    drift = abs(np.log((area + 1.0) / (ref_area + 1.0))) if ref_area > 0 else 0.0
    colour = 0.5
    if models is not None and area > 0:
        pixels = cur_small[refined]
        if len(pixels) > _COLOUR_SAMPLES:
            pixels = pixels[:: len(pixels) // _COLOUR_SAMPLES + 1]
        colour = float(np.mean(log_likelihood(models.foreground, pixels)
                               > log_likelihood(models.background, pixels)))
    gray = _to_gray(cur_small).astype(np.float32)
    grad = np.abs(cv2.Sobel(gray, cv2.CV_32F, 1, 0)) + np.abs(cv2.Sobel(gray, cv2.CV_32F, 0, 1))
    m = refined.astype(np.uint8)
    edge = (cv2.dilate(m, _disk(1)) != cv2.erode(m, _disk(1)))
    ratio = float(grad[edge].mean() / (grad.mean() + 1e-3)) if edge.any() else 0.0
    return StepEvidence(float(agreement), float(jump), float(drift), colour,
                        ratio / (1.0 + ratio))


def _disk(radius_px: int) -> np.ndarray:
    size = 2 * radius_px + 1
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def _on_frame_edge(mask: np.ndarray, roi: Roi, frame_shape: tuple[int, ...]) -> bool:
    """Whether a work-resolution mask of the region ``roi`` touches the frame's border."""
    height, width = frame_shape[:2]
    return bool((roi.x0 == 0 and mask[:, 0].any()) or (roi.y0 == 0 and mask[0].any())
                or (roi.x1 == width and mask[:, -1].any())
                or (roi.y1 == height and mask[-1].any()))


def _to_gray(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


class FlowStep:
    """Tracks one mask from a frame to the next (either direction in time)."""

    def __init__(self, params: FlowParams | None = None) -> None:
        self.params = params or FlowParams()
        self._flow = cv2.DISOpticalFlow_create(self.params.flow_preset)

    def _region(self, prev_mask: np.ndarray) -> tuple[Roi, float] | None:
        box = mask_bbox(prev_mask)
        if box is None:
            return None
        height, width = prev_mask.shape
        p = self.params
        roi = grow_box(box, p.margin_frac, p.margin_min_px, width, height)
        return roi, min(1.0, p.work_side_px / max(roi.width, roi.height))

    def warp(
        self, prev_rgb: np.ndarray, cur_rgb: np.ndarray, prev_crop: np.ndarray, size: tuple
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Warp a float mask crop (work resolution) from ``prev`` to ``cur`` crops.

        Returns the warped soft mask (h×w float32 in [0, 1]), the resized current crop,
        where the flow is reliable (h×w bool: forward and backward flows agree), the flow
        (h×w×2 float32, current → previous, work pixels) and the pixels only the rigid
        carry put inside that move like the background (h×w bool; see :meth:`_pushed`).
        """
        prev_small = cv2.resize(prev_rgb, size, interpolation=cv2.INTER_AREA)
        cur_small = cv2.resize(cur_rgb, size, interpolation=cv2.INTER_AREA)
        # Backward flow (current → previous) so every current pixel looks up the old mask.
        flow = self._flow.calc(_to_gray(cur_small), _to_gray(prev_small), None)
        h, w = flow.shape[:2]
        grid_x, grid_y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        map_x, map_y = grid_x + flow[..., 0], grid_y + flow[..., 1]
        warped = cv2.remap(prev_crop, map_x, map_y,
                           cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        pushed = np.zeros(warped.shape, bool)
        if self.params.follow_median and (warped > 0.5).any():
            motion = -np.median(flow[warped > 0.5], axis=0)  # previous → current, pixels
            move = np.float32([[1, 0, motion[0]], [0, 1, motion[1]]])
            carried = cv2.warpAffine(prev_crop, move, size, borderValue=0)
            pushed = self._pushed(flow, warped, carried)
            warped = np.maximum(warped, carried)
        if not self.params.consistency:
            return warped, cur_small, np.ones(warped.shape, bool), flow, pushed
        # Forward-backward check (Sundaram et al. 2010): disoccluded pixels disagree.
        forward = self._flow.calc(_to_gray(prev_small), _to_gray(cur_small), None)
        back = cv2.remap(forward, map_x, map_y, cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)
        err = np.sum((flow + back) ** 2, axis=2)
        reliable = err < 0.01 * (np.sum(flow**2, axis=2) + np.sum(back**2, axis=2)) + 0.5
        # Where the flow is not trusted (disocclusions), keep the previous value.
        warped = np.where(reliable, warped, prev_crop)
        return warped, cur_small, reliable, flow, pushed & reliable

    def _pushed(self, flow: np.ndarray, warped: np.ndarray, carried: np.ndarray
                ) -> np.ndarray:
        """Pixels (h×w bool) that ``carried`` (the previous mask moved rigidly) adds beyond
        the flow's mask and that move like the background: where the object slides behind a
        still neighbour, the rigid move would push the contact line onto the neighbour on
        every frame (a ratchet: moving back, the flow keeps what was taken). The motion
        gate treats them as it treats the ring (:meth:`_gate`)."""
        p = self.params
        inside = warped > 0.5
        extra = (carried > 0.5) & ~inside
        if not p.motion_gate or not extra.any():
            return np.zeros(extra.shape, bool)
        _, radius = self._band_px(np.count_nonzero(inside), 0.0)
        outside = cv2.dilate((inside | (carried > 0.5)).astype(np.uint8), _disk(radius)) == 0
        like_obj, tells = moves_with_object(flow, inside, outside, radius,
                                            p.gate_min_difference_px)
        return extra & tells & ~like_obj

    def _band_px(self, area_px: float, ref_area: float) -> tuple[int, int]:
        """The uncertain band's width and the ring's reach (work pixels) for a mask of
        ``area_px``. The band scales with the object's size on its prompted frame too
        (``ref_area``), so a mask that shrank (occlusion, fast motion) can grow back."""
        p = self.params
        band = max(p.band_min_px, int(round(p.band_frac * np.sqrt(max(area_px, ref_area)))))
        return band, max(1, round(band * p.grow_factor))

    def _trimap(self, warped: np.ndarray, reliable: np.ndarray, ref_area: float,
                flow: np.ndarray | None = None, pushed: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """GrabCut labels (h×w uint8), the hard core (h×w bool) and the ring pixels the
        motion gate keeps out (h×w bool; still labelled probably background: see
        :meth:`_gate`)."""
        p = self.params
        inside = (warped > 0.5).astype(np.uint8)
        band, grow = self._band_px(float(inside.sum()), ref_area)
        labels = np.full(inside.shape, cv2.GC_BGD, dtype=np.uint8)
        labels[cv2.dilate(inside, _disk(grow)) > 0] = cv2.GC_PR_BGD
        labels[inside > 0] = cv2.GC_PR_FGD
        core = (cv2.erode(inside, _disk(max(1, round(band * p.core_factor)))) > 0) & reliable
        labels[core] = cv2.GC_FGD if p.hard_core else cv2.GC_PR_FGD
        gated = np.zeros(inside.shape, bool)
        if p.motion_gate and flow is not None:
            thin = cv2.dilate(inside, _disk(p.gate_band_px)) > 0 if p.gate_band_px > 0 \
                else inside > 0
            ring = (labels == cv2.GC_PR_BGD) & ~thin
            if ring.any():
                obj = core if core.any() else inside > 0
                like_obj, tells = moves_with_object(flow, obj, labels == cv2.GC_BGD, grow,
                                                    p.gate_min_difference_px)
                gated = ring & ((tells & ~like_obj) | (~tells & p.gate_still))
        if pushed is not None:
            gated |= pushed & ~core
        return labels, core, gated

    def _gate(self, cur_small: np.ndarray, labels: np.ndarray, gated: np.ndarray,
              models: ColorModels | None) -> None:
        """Make the gated ring pixels background unless their colour says object
        (log-likelihood ratio ≥ ``gate_colour_llr``): a limb's motion-blurred flow may look
        like the background's, while a look-alike neighbour's colour cannot speak for it."""
        if not gated.any():
            return
        idx = np.flatnonzero(gated.ravel())
        if models is not None:
            pixels = cur_small.reshape(-1, 3)[idx]
            llr = (log_likelihood(models.foreground, pixels)
                   - log_likelihood(models.background, pixels))
            idx = idx[llr < self.params.gate_colour_llr]
        labels.ravel()[idx] = cv2.GC_BGD

    def _refine(self, cur_small: np.ndarray, warped: np.ndarray, reliable: np.ndarray,
                anchor_rgb: np.ndarray | None, ref_area: float,
                excluded_rgb: np.ndarray | None = None, flow: np.ndarray | None = None,
                pushed: np.ndarray | None = None) -> tuple[np.ndarray, ColorModels | None]:
        """Refined mask (h×w bool) and colour models learned from the prompted frame's
        object colours (None when there are none)."""
        labels, core, gated = self._trimap(warped, reliable, ref_area, flow, pushed)
        if anchor_rgb is not None:
            background = cur_small[labels == cv2.GC_BGD]
            if excluded_rgb is not None and len(excluded_rgb):
                # What the user excluded stays background on every frame tracked from there.
                background = np.concatenate([background, excluded_rgb])
            first = learn(anchor_rgb, background)
            if first is not None and self.params.hard_core:
                # The hard core keeps only pixels whose colour looks like the object: the flow
                # drags background into the mask where it uncovers it (behind a moving
                # object, at the frame's edge when the object leaves).
                pixels = cur_small[core]
                unlike = (log_likelihood(first.foreground, pixels)
                          < log_likelihood(first.background, pixels))
                idx = np.flatnonzero(core.ravel())[unlike]
                labels.ravel()[idx] = cv2.GC_PR_FGD
                core.ravel()[idx] = False
            self._gate(cur_small, labels, gated, first)
            fg = [anchor_rgb, cur_small[core]] if self.params.core_in_model else [anchor_rgb]
            models = learn(np.concatenate(fg), background)
            if models is not None:
                # The evidence judges the mask by the prompted frame's colours alone: the
                # current core may already hold what the mask drifted onto.
                return segment_with(cur_small, labels, models), first or models
        self._gate(cur_small, labels, gated, None)
        return grabcut_labels(cur_small, labels, self.params.grabcut_iterations), None

    def step(self, prev_rgb: np.ndarray, cur_rgb: np.ndarray, prev_mask: np.ndarray,
             anchor_rgb: np.ndarray | None = None, anchor_area_px: int = 0,
             excluded_rgb: np.ndarray | None = None) -> StepResult:
        """Mask on ``cur_rgb`` (H×W×3 uint8) from the mask ``prev_mask`` (H×W bool) on
        ``prev_rgb``; the two frames are neighbours in time (either order). ``anchor_rgb``
        (N×3 uint8): object colours from the prompted frame, for the object's colour model;
        ``anchor_area_px``: the object's area there (frame pixels); ``excluded_rgb`` (M×3
        uint8): colours the user excluded there, always background."""
        region = self._region(prev_mask)
        if region is None:
            return StepResult(None, None)
        roi, scale = region
        size = (max(8, round(roi.width * scale)), max(8, round(roi.height * scale)))
        prev_crop = cv2.resize(roi.crop(prev_mask).astype(np.float32), size,
                               interpolation=cv2.INTER_AREA)
        warped, cur_small, reliable, flow, pushed = self.warp(
            roi.crop(prev_rgb), roi.crop(cur_rgb), prev_crop, size)
        inside = warped > 0.5
        min_work_px = max(1, int(self.params.min_area_px * scale * scale))
        if int(inside.sum()) < min_work_px:
            return StepResult(None, None)
        models = None
        if self.params.grabcut_iterations > 0:
            refined, models = self._refine(cur_small, warped, reliable, anchor_rgb,
                                           0.5 * anchor_area_px * scale * scale, excluded_rgb,
                                           flow, pushed)
            if (np.count_nonzero(refined) < COLLAPSE_FRAC * np.count_nonzero(inside)
                    and not _on_frame_edge(inside, roi, prev_mask.shape)):
                # The graph cut found no object where the flow carried it (no colour or
                # edge to separate): keep the flow's mask; the evidence says how unsure.
                # At the frame's edge the object is leaving: let it go.
                refined = inside
        else:  # flow only (the benchmark's baseline)
            refined = inside
        evidence = measure(cur_small, inside, refined, models, anchor_area_px * scale * scale)
        full = cv2.resize(refined.astype(np.float32), (roi.width, roi.height),
                          interpolation=cv2.INTER_LINEAR) > 0.5
        mask = np.zeros(prev_mask.shape, dtype=bool)
        roi.crop(mask)[...] = full
        mask = remove_specks(mask, 0.005, self.params.min_area_px)
        if int(mask.sum()) < self.params.min_area_px:
            return StepResult(None, None)
        return StepResult(mask, evidence)
