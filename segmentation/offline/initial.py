"""Turn one frame's prompts (clicks, box, mask) into an object mask with GrabCut.

GrabCut runs in a region around the prompts, downscaled so its longer side is at most
``work_side_px``: the cost is bounded whatever the frame size. Clicks become hard labels
(disks), a box bounds the object (outside it is background), a mask prompt is taken as is
unless clicks refine it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from segmentation.offline.box import box_bounds, colour_contrast_region, sides_reached
from segmentation.offline.click import ClickGeometry
from segmentation.offline.colour_growth import grow_by_colour
from segmentation.offline.masks import Roi, grow_box, mask_bbox, remove_specks


@dataclass(frozen=True)
class FramePrompt:
    """Everything given for one object on one frame (coordinates in frame pixels).

    Attributes:
        points: N×2 float32 (x, y) clicks.
        labels: (N,) int32, 1 = include, 0 = exclude.
        box: ``(x0, y0, x1, y1)`` or None.
        mask: H×W bool or None.
    """

    points: np.ndarray
    labels: np.ndarray
    box: tuple[float, float, float, float] | None
    mask: np.ndarray | None


#: The geodesic proposal's GrabCut runs at this multiple of the geodesic map's scale (a
#: coarser cut is smoother and leaks less; leave-one-clip-out chose 1.0 of 0.75/1.0/1.5).
GEO_CUT_SCALE: float = 1.0

#: A box's mask covering less than this fraction of the box is a failed segmentation.
MIN_BOX_FILL: float = 0.05


def _work_scale(roi: Roi, work_side_px: int) -> float:
    return min(1.0, work_side_px / max(roi.width, roi.height, 1))


def _seed_radius_px(roi: Roi) -> int:
    return max(2, int(round(0.015 * max(roi.width, roi.height))))


def _points_roi(prompt: FramePrompt, width: int, height: int) -> Roi:
    """Region for click-only prompts: around the positive clicks, sized from the frame."""
    pos = prompt.points[prompt.labels > 0]
    pts = pos if len(pos) else prompt.points
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    # Clicks give no scale: a region 0.6 × the frame's short side around them measured best
    # on the DAVIS first frames (mean IoU 0.51 from one click; a box gives far more).
    return grow_box((x0, y0, x1, y1), 0.5, int(0.3 * min(width, height)), width, height)


def _trimap(prompt: FramePrompt, roi: Roi, prior: np.ndarray | None) -> np.ndarray:
    """GrabCut label map (ROI-sized uint8) from the prior mask, box and clicks."""
    labels = np.full((roi.height, roi.width), cv2.GC_PR_BGD, dtype=np.uint8)
    if prior is not None:
        labels[roi.crop(prior)] = cv2.GC_PR_FGD
    elif prompt.box is not None:
        bx0, by0, bx1, by1 = (int(round(v)) for v in prompt.box)
        labels[:] = cv2.GC_BGD
        labels[max(0, by0 - roi.y0) : by1 - roi.y0, max(0, bx0 - roi.x0) : bx1 - roi.x0] = (
            cv2.GC_PR_FGD
        )
    else:
        # Clicks only: a disc around each positive click is "probably object".
        radius = int(0.35 * min(roi.width, roi.height))
        for (x, y), lab in zip(prompt.points, prompt.labels):
            if lab > 0:
                cv2.circle(labels, (int(x) - roi.x0, int(y) - roi.y0), radius, cv2.GC_PR_FGD, -1)
        _border(labels, cv2.GC_BGD)
    _seed_clicks(labels, prompt, roi)
    return labels


def _seed_clicks(labels: np.ndarray, prompt: FramePrompt, roi: Roi) -> None:
    """Hard labels: a small disc at each click (object for include, background for exclude)."""
    seed = _seed_radius_px(roi)
    for (x, y), lab in zip(prompt.points, prompt.labels):
        value = cv2.GC_FGD if lab > 0 else cv2.GC_BGD
        cv2.circle(labels, (int(round(x)) - roi.x0, int(round(y)) - roi.y0), seed, value, -1)


def _border(labels: np.ndarray, value: int) -> None:
    labels[0, :] = value
    labels[-1, :] = value
    labels[:, 0] = value
    labels[:, -1] = value


def grabcut_labels(image_rgb: np.ndarray, labels: np.ndarray, iterations: int) -> np.ndarray:
    """Run GrabCut on an RGB crop from an initial label map; returns a bool object mask.

    Falls back to the initial foreground when one side has no samples (GrabCut needs both).
    GrabCut's k-means initialisation draws from OpenCV's global RNG, seeded here: the same
    input gives the same mask whatever ran before (a prompt, a re-track, a benchmark).
    """
    fg = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
    if fg.all() or not fg.any():
        return fg
    work = labels.copy()
    bgd = np.zeros((1, 65), np.float64)
    fgd = np.zeros((1, 65), np.float64)
    bgr = np.ascontiguousarray(image_rgb[..., ::-1])
    cv2.setRNGSeed(0)
    cv2.grabCut(bgr, work, None, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)
    return (work == cv2.GC_FGD) | (work == cv2.GC_PR_FGD)


def segment_prompt(
    frame_rgb: np.ndarray,
    prompt: FramePrompt,
    prior: np.ndarray | None = None,
    work_side_px: int = 400,
    iterations: int = 4,
    excluded: np.ndarray | None = None,
) -> np.ndarray:
    """Object mask (H×W bool) for one frame's prompts; a box always gives a mask.

    Args:
        frame_rgb: H×W×3 uint8 RGB frame.
        prompt: the clicks / box / mask given on this frame.
        prior: H×W bool mask to refine (the previous result when clicks are added), or None.
        work_side_px: GrabCut runs on the region downscaled to this longer side.
        iterations: GrabCut iterations.
        excluded: H×W bool region the exclude clicks remove
            (:func:`segmentation.offline.exclusion.excluded_region`): never in the result.
    """
    height, width = frame_rgb.shape[:2]
    if prompt.mask is not None and len(prompt.points) == 0:
        return prompt.mask.copy()
    if prior is None and prompt.mask is not None:
        prior = prompt.mask
    if prior is not None and prior.any():
        roi = grow_box(mask_bbox(prior), 0.15, 16, width, height)  # type: ignore[arg-type]
        if len(prompt.points):
            px0, py0 = prompt.points.min(axis=0)
            px1, py1 = prompt.points.max(axis=0)
            extra = grow_box((px0, py0, px1, py1), 0.0, 16, width, height)
            roi = Roi(min(roi.x0, extra.x0), min(roi.y0, extra.y0),
                      max(roi.x1, extra.x1), max(roi.y1, extra.y1))
    elif prompt.box is not None:
        roi = grow_box(prompt.box, 0.1, 12, width, height)
        prior = None
    else:
        return _clicks_only(frame_rgb, prompt, work_side_px, iterations, excluded)
    out = _cut(frame_rgb, prompt, roi, _trimap(prompt, roi, prior), work_side_px, iterations,
               excluded)
    if prompt.box is not None and prior is None:
        out = _box_guess(frame_rgb, prompt.box, _box_colour_cut(
            frame_rgb, prompt, roi, out, work_side_px, iterations, excluded), excluded)
    return out


def _box_colour_cut(frame_rgb: np.ndarray, prompt: FramePrompt, roi: Roi, whole: np.ndarray,
                    work_side_px: int, iterations: int,
                    excluded: np.ndarray | None) -> np.ndarray:
    """GrabCut from the box's colours that stand out from its surroundings
    (:mod:`segmentation.offline.box`); kept unless ``whole`` (GrabCut from the whole box)
    reaches more of the box's sides."""
    assert prompt.box is not None
    region = colour_contrast_region(frame_rgb, prompt.box, roi)
    if not region.any():
        return whole
    labels = _trimap(prompt, roi, None)
    labels[labels == cv2.GC_PR_FGD] = cv2.GC_PR_BGD
    labels[region & (labels == cv2.GC_PR_BGD)] = cv2.GC_PR_FGD
    contrast = _cut(frame_rgb, prompt, roi, labels, work_side_px, iterations, excluded)
    if not contrast.any() or sides_reached(whole, prompt.box) > sides_reached(contrast,
                                                                              prompt.box):
        return whole
    return contrast


def _cut(frame_rgb: np.ndarray, prompt: FramePrompt, roi: Roi, labels: np.ndarray,
         work_side_px: int, iterations: int, excluded: np.ndarray | None) -> np.ndarray:
    """GrabCut in ``roi`` from its label map (downscaled to ``work_side_px``); the frame-sized
    bool result keeps the parts holding a positive click, without specks."""
    height, width = frame_rgb.shape[:2]
    if excluded is not None:
        labels[roi.crop(excluded)] = cv2.GC_BGD
    scale = _work_scale(roi, work_side_px)
    crop = roi.crop(frame_rgb)
    if scale < 1.0:
        size = (max(2, round(roi.width * scale)), max(2, round(roi.height * scale)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
        labels = cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST)
    result = grabcut_labels(crop, labels, iterations).astype(np.uint8)
    if scale < 1.0:
        result = cv2.resize(result, (roi.width, roi.height), interpolation=cv2.INTER_NEAREST)
    out = np.zeros((height, width), dtype=bool)
    roi.crop(out)[...] = result > 0
    if excluded is not None:
        out &= ~excluded
    return remove_specks(_keep_clicked(out, prompt), 0.02, 16)


def _clicks_only(frame_rgb: np.ndarray, prompt: FramePrompt, work_side_px: int,
                 iterations: int, excluded: np.ndarray | None) -> np.ndarray:
    """Clicks without a box or mask: GrabCut from the geodesic "probable object" and from a
    disc in a fixed-size region, keeping the result whose outline follows stronger edges
    (:mod:`segmentation.offline.click`), grown by colour into the thin parts GrabCut cut off
    (:mod:`segmentation.offline.colour_growth`)."""
    height, width = frame_rgb.shape[:2]
    roi = _points_roi(prompt, width, height)
    disc = _cut(frame_rgb, prompt, roi, _trimap(prompt, roi, None), work_side_px, iterations,
                excluded)
    geometry = ClickGeometry(frame_rgb)
    region = geometry.probable_object(prompt.points, prompt.labels, excluded)
    if region is None or not region.any():
        return grow_by_colour(frame_rgb, disc, excluded)
    roi = geometry.roi(region)
    labels = np.full((roi.height, roi.width), cv2.GC_PR_BGD, np.uint8)
    labels[roi.crop(geometry.upscale(region))] = cv2.GC_PR_FGD
    _border(labels, cv2.GC_BGD)
    _seed_clicks(labels, prompt, roi)
    side = max(2, round(max(roi.width, roi.height) * geometry.scale * GEO_CUT_SCALE))
    geodesic = _cut(frame_rgb, prompt, roi, labels, side, iterations, excluded)
    best = geodesic if geometry.outline_contrast(geodesic) > geometry.outline_contrast(disc) \
        else disc
    return grow_by_colour(frame_rgb, best, excluded)


def _box_guess(frame_rgb: np.ndarray, box: tuple[float, float, float, float],
               mask: np.ndarray, excluded: np.ndarray | None) -> np.ndarray:
    """A box always gives a mask: when GrabCut kept less than ``MIN_BOX_FILL`` of the box
    (the object's colours did not separate from the surroundings), GrabCut again with the
    box's central ellipse fixed as object; failing that, the ellipse inscribed in the box."""
    height, width = mask.shape
    x0, y0, x1, y1 = box_bounds(box, width, height)
    box_area = (x1 - x0) * (y1 - y0)
    if np.count_nonzero(mask) >= MIN_BOX_FILL * box_area:
        return mask
    inscribed = np.zeros((height, width), np.uint8)
    centre = ((x0 + x1 - 1) // 2, (y0 + y1 - 1) // 2)
    axes = (max(0, (x1 - x0 - 1) // 2), max(0, (y1 - y0 - 1) // 2))
    cv2.ellipse(inscribed, centre, axes, 0, 0, 360, 1, -1)
    core = np.zeros_like(inscribed)
    cv2.ellipse(core, centre, (axes[0] // 3, axes[1] // 3), 0, 0, 360, 1, -1)
    roi = grow_box((x0, y0, x1, y1), 0.1, 12, width, height)
    labels = np.full((roi.height, roi.width), cv2.GC_BGD, np.uint8)
    labels[y0 - roi.y0 : y1 - roi.y0, x0 - roi.x0 : x1 - roi.x0] = cv2.GC_PR_FGD
    labels[roi.crop(core) > 0] = cv2.GC_FGD
    if excluded is not None:
        labels[roi.crop(excluded)] = cv2.GC_BGD
    guess = np.zeros((height, width), bool)
    roi.crop(guess)[...] = grabcut_labels(roi.crop(frame_rgb), labels, 2)
    if np.count_nonzero(guess) < MIN_BOX_FILL * box_area:
        guess = inscribed > 0
        if excluded is not None and np.count_nonzero(guess & ~excluded):
            guess &= ~excluded
    if not guess.any():  # a box under a pixel wide
        guess[y0:y1, x0:x1] = True
    return guess


def _keep_clicked(mask: np.ndarray, prompt: FramePrompt) -> np.ndarray:
    """With positive clicks, keep only the connected parts that contain one of them."""
    pos = prompt.points[prompt.labels > 0]
    if len(pos) == 0 or not mask.any():
        return mask
    _, comp = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    h, w = mask.shape
    ids = {int(comp[min(h - 1, max(0, int(y))), min(w - 1, max(0, int(x)))]) for x, y in pos}
    ids.discard(0)
    if not ids:
        return mask
    return np.isin(comp, sorted(ids))
