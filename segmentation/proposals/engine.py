"""``propose_objects``: SAM's automatic mask generation on one image, single crop.

Pipeline (one image embedding, then the grid in batches):

1. decode every grid point as a positive click (3 multimask outputs each by default);
2. keep masks with predicted IoU ≥ ``pred_iou_thresh`` and stability ≥
   ``stability_score_thresh`` — both measured on the decoder's logits (low resolution for
   SAM 2, 256×256), which is what makes a 32×32 grid affordable on a CPU;
3. box NMS over all kept masks (boxes in original pixels), scores = predicted IoU × stability;
4. upsample the survivors to the image size, fill holes / drop islands below ``min_area_px``,
   drop proposals that end below ``min_area_px``;
5. box NMS again on the final boxes, so no two results overlap beyond ``box_nms_thresh``;
   results come sorted by quality, best first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch
import torch.nn.functional as F

from segmentation.proposals.cleanup import remove_small_regions
from segmentation.proposals.decoder import PointPromptDecoder, as_point_decoder
from segmentation.proposals.grid import batches, point_grid_xy
from segmentation.proposals.nms import nms_keep
from segmentation.proposals.scores import mask_boxes_xyxy, stability_score
from segmentation.proposals.types import Proposal, ProposalSettings

#: Logits are kept between the two passes as float16 clamped to this range (halves memory).
_LOGIT_CLAMP = 32.0


class ProposalsCancelled(Exception):
    """The caller cancelled :func:`propose_objects` (its ``cancel`` event was set)."""


class CancelFlag(Protocol):
    def is_set(self) -> bool: ...


@dataclass
class _Candidates:
    """Masks that passed the score filters, before NMS (one row per mask)."""

    logits: list[torch.Tensor]  # each K×h×w float16
    iou: list[torch.Tensor]  # each (K,) float32
    stability: list[torch.Tensor]
    boxes: list[torch.Tensor]  # each K×4 float32, original pixels
    points: list[torch.Tensor]  # each K×2 float32

    def cat(self) -> tuple[torch.Tensor, ...]:
        if not self.iou:
            return (torch.zeros((0, 1, 1), dtype=torch.float16), torch.zeros(0), torch.zeros(0),
                    torch.zeros((0, 4)), torch.zeros((0, 2)))
        return tuple(torch.cat(x) for x in
                     (self.logits, self.iou, self.stability, self.boxes, self.points))


def propose_objects(
    predictor_or_model: Any,
    image: np.ndarray,
    *,
    points_per_side: int = 32,
    points_per_batch: int = 64,
    pred_iou_thresh: float = 0.8,
    stability_score_thresh: float = 0.95,
    box_nms_thresh: float = 0.7,
    min_area_px: int = 100,
    crop_layers: int = 0,
    multimask_output: bool = True,
    progress: Callable[[int, int], None] | None = None,
    cancel: CancelFlag | None = None,
) -> list[Proposal]:
    """Propose every object in ``image`` ("segment everything").

    Args:
        predictor_or_model: a SAM 2 model, our SAM 2 image predictor, or any
            :class:`~segmentation.proposals.PointPromptDecoder` (e.g. a test stub).
        image: H×W×3 uint8 RGB.
        points_per_side .. min_area_px: see :class:`ProposalSettings`.
        crop_layers: only 0 (the whole image, no zoomed crops) is supported.
        progress: called as ``progress(points_done, points_total)`` after each batch.
        cancel: an event-like object; when set, the run stops between batches.
    Returns:
        Proposals sorted by quality (predicted IoU × stability), best first, pairwise box IoU
        ≤ ``box_nms_thresh``, each at least ``min_area_px`` pixels.
    Raises:
        ProposalsCancelled: ``cancel`` was set.
        ValueError: a bad image or setting.
    """
    if crop_layers != 0:
        raise ValueError("crop_layers > 0 (zoomed crops) is not supported; use 0")
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image must be H×W×3 uint8 RGB, got {image.shape} {image.dtype}")
    settings = ProposalSettings(
        points_per_side=points_per_side, points_per_batch=points_per_batch,
        pred_iou_thresh=pred_iou_thresh, stability_score_thresh=stability_score_thresh,
        box_nms_thresh=box_nms_thresh, min_area_px=min_area_px,
        multimask_output=multimask_output,
    )
    decoder = as_point_decoder(predictor_or_model)
    with torch.inference_mode():
        decoder.set_image(image)
        candidates = _decode_grid(decoder, image.shape[:2], settings, progress, cancel)
        return _finish(candidates, image.shape[:2], settings)


def _decode_grid(
    decoder: PointPromptDecoder,
    size_hw: tuple[int, int],
    settings: ProposalSettings,
    progress: Callable[[int, int], None] | None,
    cancel: CancelFlag | None,
) -> _Candidates:
    """Decode the grid batch by batch, keeping masks that pass the IoU and stability filters."""
    height, width = size_hw
    points = point_grid_xy(settings.points_per_side, width, height)
    kept = _Candidates([], [], [], [], [])
    for part in batches(len(points), settings.points_per_batch):
        if cancel is not None and cancel.is_set():
            raise ProposalsCancelled("object proposals cancelled")
        out = decoder.decode_points(points[part], settings.multimask_output)
        logits = out.logits.to(torch.float32)
        b, m, h, w = logits.shape
        logits = logits.reshape(b * m, h, w)
        iou = out.iou_predictions.to(torch.float32).reshape(b * m)
        point_rows = torch.from_numpy(points[part]).repeat_interleave(m, dim=0)
        stab = stability_score(logits, settings.stability_offset)
        masks = logits > 0
        ok = (iou >= settings.pred_iou_thresh) & (stab >= settings.stability_score_thresh)
        ok &= masks.flatten(1).any(dim=1)
        if ok.any():
            scale = torch.tensor([width / w, height / h, width / w, height / h])
            boxes = mask_boxes_xyxy(masks[ok]).to(torch.float32) * scale
            kept.logits.append(logits[ok].clamp(-_LOGIT_CLAMP, _LOGIT_CLAMP).to(torch.float16))
            kept.iou.append(iou[ok])
            kept.stability.append(stab[ok])
            kept.boxes.append(boxes)
            kept.points.append(point_rows[ok])
        if progress is not None:
            progress(part.stop, len(points))
    return kept


def _finish(
    candidates: _Candidates, size_hw: tuple[int, int], settings: ProposalSettings
) -> list[Proposal]:
    """NMS on low-res boxes, then full-resolution masks, clean-up, final NMS and sort."""
    logits, iou, stab, boxes, points = candidates.cat()
    first = nms_keep(boxes, iou * stab, settings.box_nms_thresh)
    made: list[Proposal] = []
    for i in first.tolist():
        proposal = _full_resolution(logits[i], float(iou[i]), float(stab[i]),
                                    tuple(points[i].tolist()), size_hw, settings.min_area_px)
        if proposal is not None:
            made.append(proposal)
    if not made:
        return []
    final_boxes = torch.tensor([p.box_xyxy for p in made], dtype=torch.float32)
    scores = torch.tensor([p.quality for p in made], dtype=torch.float64)
    return [made[i] for i in nms_keep(final_boxes, scores, settings.box_nms_thresh).tolist()]


def _full_resolution(
    low_res: torch.Tensor,
    iou: float,
    stab: float,
    point_xy: tuple[float, float],
    size_hw: tuple[int, int],
    min_area_px: int,
) -> Proposal | None:
    """Upsample one low-res logit map (bilinear, half-pixel centres), threshold and clean it."""
    low = low_res.to(torch.float32)
    if tuple(low.shape) == tuple(size_hw):
        full = low
    else:
        full = F.interpolate(low[None, None], size=size_hw, mode="bilinear", align_corners=False)[0, 0]
    mask, _changed = remove_small_regions(full.numpy() > 0, min_area_px)
    area = int(mask.sum())
    if area == 0 or area < min_area_px:
        return None
    box = mask_boxes_xyxy(torch.from_numpy(mask)[None])[0].tolist()
    return Proposal(
        mask=mask, low_res_logits=low.numpy().copy(), box_xyxy=tuple(int(v) for v in box),
        predicted_iou=iou, stability_score=stab, area_px=area,
        point_xy=(float(point_xy[0]), float(point_xy[1])),
    )
