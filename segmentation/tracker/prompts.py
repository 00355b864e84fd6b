"""Validation and conversion of user prompts (frame pixels) into model-input prompts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from segmentation.tracker.errors import PromptError
from segmentation.tracker.objects import MaskPrompt, PointPrompt


def _points(points, labels) -> tuple[np.ndarray, np.ndarray]:
    if points is None and labels is None:
        return np.zeros((0, 2), np.float32), np.zeros((0,), np.int32)
    if points is None or labels is None:
        raise PromptError("points and labels must be given together")
    pts = np.asarray(points, dtype=np.float32).reshape(-1, 2) if len(points) else \
        np.zeros((0, 2), np.float32)
    lab = np.asarray(labels, dtype=np.int32).reshape(-1)
    if pts.shape[0] != lab.shape[0]:
        raise PromptError(f"{pts.shape[0]} points but {lab.shape[0]} labels")
    if not np.isfinite(pts).all():
        raise PromptError("point coordinates must be finite numbers")
    if not np.isin(lab, (0, 1)).all():
        raise PromptError("labels must be 1 (include) or 0 (exclude)")
    return pts, lab


def _mask(mask: np.ndarray, video_size: tuple[int, int], image_size: int) -> MaskPrompt:
    m = np.asarray(mask)
    if m.ndim != 2:
        raise PromptError(f"a mask prompt must be H×W, got shape {m.shape}")
    if m.dtype == bool:
        binary = m
    else:
        binary = m.astype(np.float32) >= 0.5
    t = torch.from_numpy(binary.astype(np.float32))[None, None]
    if t.shape[-2:] != (image_size, image_size):
        t = F.interpolate(t, size=(image_size, image_size), mode="bilinear",
                          align_corners=False, antialias=True)
        t = (t >= 0.5).float()
    return MaskPrompt(mask=t)


def make_prompt(
    points: Sequence[Sequence[float]] | np.ndarray | None,
    labels: Sequence[int] | np.ndarray | None,
    box: Sequence[float] | np.ndarray | None,
    mask: np.ndarray | None,
    clear: bool,
    earlier: PointPrompt | MaskPrompt | None,
    video_size: tuple[int, int],
    image_size: int,
) -> PointPrompt | MaskPrompt:
    """Model-input prompt from user input (official ``add_new_points_or_box`` / ``add_new_mask``).

    Points are (x, y) frame pixels scaled by S/W, S/H; a box becomes two points labelled 2
    and 3 placed before the clicks; with ``clear=False`` clicks are appended to ``earlier``
    clicks of the same frame. A mask must come alone.
    """
    if mask is not None:
        if points is not None or labels is not None or box is not None:
            raise PromptError("a mask prompt cannot be combined with points or a box")
        return _mask(mask, video_size, image_size)
    pts, lab = _points(points, labels)
    if box is not None:
        if not clear:
            raise PromptError("a box must be the first prompt of a frame: use clear=True")
        b = np.asarray(box, dtype=np.float32).reshape(-1)
        if b.shape != (4,) or not np.isfinite(b).all():
            raise PromptError("box must be [x0, y0, x1, y1]")
        pts = np.concatenate([b.reshape(2, 2), pts])
        lab = np.concatenate([np.array([2, 3], np.int32), lab])
    if pts.shape[0] == 0:
        raise PromptError("empty prompt: give points with labels, a box, or a mask")
    height, width = video_size
    coords = torch.from_numpy(pts / np.array([width, height], np.float32) * image_size)[None]
    labels_t = torch.from_numpy(lab)[None]
    if not clear and isinstance(earlier, PointPrompt):
        coords = torch.cat([earlier.coords, coords], dim=1)
        labels_t = torch.cat([earlier.labels, labels_t], dim=1)
    return PointPrompt(coords=coords, labels=labels_t)
