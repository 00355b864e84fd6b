"""Greedy non-maximum suppression on boxes (torch only, no torchvision)."""

from __future__ import annotations

import numpy as np
import torch


def box_iou(boxes_a: torch.Tensor, boxes_b: torch.Tensor) -> torch.Tensor:
    """Pairwise IoU of xyxy boxes (edges, exclusive end): N×4, M×4 → N×M float32 in [0, 1]."""
    a = boxes_a.to(torch.float64)
    b = boxes_b.to(torch.float64)
    area_a = (a[:, 2] - a[:, 0]).clamp(min=0) * (a[:, 3] - a[:, 1]).clamp(min=0)
    area_b = (b[:, 2] - b[:, 0]).clamp(min=0) * (b[:, 3] - b[:, 1]).clamp(min=0)
    lt = torch.maximum(a[:, None, :2], b[None, :, :2])
    rb = torch.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = area_a[:, None] + area_b[None, :] - inter
    iou = torch.where(union > 0, inter / union.clamp(min=1e-12), torch.zeros_like(inter))
    return iou.to(torch.float32)


def nms_keep(boxes_xyxy: torch.Tensor, scores: torch.Tensor, iou_thresh: float) -> torch.Tensor:
    """Indices of the boxes greedy NMS keeps, best score first.

    A box is dropped when its IoU with an already kept, better box is > ``iou_thresh``.
    Ties in score are broken by the lower index (stable sort), so the result is deterministic.

    Args:
        boxes_xyxy: N×4 boxes (pixel edges).
        scores: (N,) float scores, higher is better.
    Returns:
        (K,) int64 indices into the inputs, in descending score order.
    """
    n = int(boxes_xyxy.shape[0])
    if n == 0:
        return torch.zeros((0,), dtype=torch.int64)
    order = torch.sort(scores.to(torch.float64), descending=True, stable=True).indices
    over = (box_iou(boxes_xyxy[order], boxes_xyxy[order]) > iou_thresh).numpy()
    suppressed = np.zeros(n, dtype=bool)
    keep: list[int] = []
    for i in range(n):  # numpy rows: far cheaper per step than torch ops in this Python loop
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= over[i]
    return order[torch.tensor(keep, dtype=torch.int64)]
