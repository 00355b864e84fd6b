"""Output post-processing: video-resolution resize, non-overlap, hole filling (OpenCV)."""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor


def to_video_resolution(low_res: Tensor, height: int, width: int) -> Tensor:
    """(O, 1, h, w) logits → (O, 1, height, width) float32, bilinear (align_corners False)."""
    if low_res.shape[-2:] == (height, width):
        return low_res.float()
    return F.interpolate(low_res.float(), size=(height, width), mode="bilinear",
                         align_corners=False)


def non_overlapping(logits: Tensor) -> Tensor:
    """Keep each pixel for the object with the highest logit; clamp others to ≤ −10."""
    if logits.shape[0] <= 1:
        return logits
    winner = torch.argmax(logits, dim=0, keepdim=True)
    index = torch.arange(logits.shape[0], device=logits.device).reshape(-1, 1, 1, 1)
    return torch.where(winner == index, logits, logits.clamp(max=-10.0))


def fill_holes(low_res: Tensor, max_area: int) -> Tensor:
    """Set background components (logit ≤ 0, 8-connected) of at most ``max_area`` pixels to
    logit 0.1, like the official CUDA hole filling. (B, 1, h, w) float32 → same shape."""
    out = low_res.clone()
    for i in range(out.shape[0]):
        background = (out[i, 0] <= 0).cpu().numpy().astype(np.uint8)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(background, connectivity=8)
        small = np.flatnonzero((stats[:, cv2.CC_STAT_AREA] <= max_area) & (np.arange(count) > 0))
        if small.size == 0:
            continue
        hole = torch.from_numpy(np.isin(labels, small)).to(out.device)
        out[i, 0] = torch.where(hole, torch.full_like(out[i, 0], 0.1), out[i, 0])
    return out
