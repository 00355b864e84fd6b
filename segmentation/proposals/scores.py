"""Mask scores computed from logits: stability score and boxes."""

from __future__ import annotations

import torch


def stability_score(logits: torch.Tensor, offset: float = 1.0, threshold: float = 0.0) -> torch.Tensor:
    """SAM's stability score: IoU of the mask at ``threshold + offset`` and at ``threshold − offset``.

    The strict mask is a subset of the loose one, so the IoU is a ratio of pixel counts.

    Args:
        logits: ...×h×w float logits (> 0 inside).
    Returns:
        float32 tensor of the leading shape, values in [0, 1]; 1 where both masks are empty.
    """
    strict = (logits > threshold + offset).flatten(-2).sum(-1, dtype=torch.int64)
    loose = (logits > threshold - offset).flatten(-2).sum(-1, dtype=torch.int64)
    score = strict.to(torch.float32) / loose.clamp(min=1).to(torch.float32)
    return torch.where(loose == 0, torch.ones_like(score), score)


def mask_boxes_xyxy(masks: torch.Tensor) -> torch.Tensor:
    """Bounding boxes of boolean masks.

    Args:
        masks: N×h×w bool.
    Returns:
        N×4 int64 ``(x0, y0, x1, y1)`` pixel edges (x1, y1 exclusive); ``(0, 0, 0, 0)`` for an
        empty mask.
    """
    n, h, w = masks.shape
    if n == 0:
        return torch.zeros((0, 4), dtype=torch.int64)
    cols = masks.any(dim=1)  # N×w
    rows = masks.any(dim=2)  # N×h
    xs = torch.arange(w, dtype=torch.int64)
    ys = torch.arange(h, dtype=torch.int64)
    big = torch.iinfo(torch.int64).max
    x0 = torch.where(cols, xs, big).min(dim=1).values
    x1 = torch.where(cols, xs, -1).max(dim=1).values + 1
    y0 = torch.where(rows, ys, big).min(dim=1).values
    y1 = torch.where(rows, ys, -1).max(dim=1).values + 1
    boxes = torch.stack([x0, y0, x1, y1], dim=1)
    empty = ~cols.any(dim=1)
    boxes[empty] = 0
    return boxes
