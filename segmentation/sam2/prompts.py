"""Validation and rescaling of image-predictor prompts.

User prompts are (x, y) pixels in the original H×W image; the model wants model-input
pixels (x·S/W, y·S/H), box corners first with labels 2/3, then clicks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from segmentation.errors import PromptError


@dataclass
class PreparedPrompt:
    """coords B×P×2 float32 model pixels, labels B×P int32 (or None); mask B×1×S/4×S/4."""

    coords: Tensor | None
    labels: Tensor | None
    mask: Tensor | None
    batch: int = 1


def _to_model_pixels(xy: np.ndarray, size: tuple[int, int], image_size: int) -> Tensor:
    t = torch.as_tensor(np.asarray(xy, dtype=np.float32)).clone()
    h, w = size
    t[..., 0] = t[..., 0] / w
    t[..., 1] = t[..., 1] / h
    return t * image_size


def _points(coords: np.ndarray | None, labels: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    if coords is None and labels is None:
        return np.zeros((0, 2), np.float32), np.zeros((0,), np.int32)
    if coords is None or labels is None:
        raise PromptError("point_coords and point_labels must be given together")
    c = np.asarray(coords, dtype=np.float32)
    lab = np.asarray(labels).reshape(-1)
    if c.size == 0 and lab.size == 0:
        return np.zeros((0, 2), np.float32), np.zeros((0,), np.int32)
    if c.ndim != 2 or c.shape[1] != 2 or len(c) != len(lab):
        raise PromptError(f"point_coords must be P×2 (x, y) with P labels; got "
                          f"{np.shape(coords)} coords and {np.shape(labels)} labels")
    if not np.isin(lab, (0, 1)).all():
        raise PromptError("point labels must be 1 (positive) or 0 (negative)")
    if not np.isfinite(c).all():
        raise PromptError("point coordinates must be finite numbers")
    return c, lab.astype(np.int32)


def _box(box: np.ndarray | None) -> np.ndarray | None:
    if box is None:
        return None
    b = np.asarray(box, dtype=np.float32).reshape(-1)
    if b.shape != (4,) or not np.isfinite(b).all() or b[2] < b[0] or b[3] < b[1]:
        raise PromptError(f"box must be [x0, y0, x1, y1] with x0 <= x1, y0 <= y1; got {box}")
    return b.reshape(2, 2)


def _mask(mask: np.ndarray | None, image_size: int) -> Tensor | None:
    if mask is None:
        return None
    m = torch.as_tensor(np.asarray(mask, dtype=np.float32))
    side = image_size // 4
    if m.ndim == 2:
        m = m[None]
    if tuple(m.shape) != (1, side, side):
        raise PromptError(f"mask_input must be 1×{side}×{side} low-res logits "
                          f"(a previous low_res_logits[i:i+1]); got {tuple(m.shape)}")
    return m[None]


def prepare_prompt(point_coords: np.ndarray | None, point_labels: np.ndarray | None,
                   box: np.ndarray | None, mask_input: np.ndarray | None,
                   size: tuple[int, int], image_size: int) -> PreparedPrompt:
    """One prompt (batch 1): box corners (labels 2, 3) first, then the clicks."""
    coords, labels = _points(point_coords, point_labels)
    corners = _box(box)
    mask = _mask(mask_input, image_size)
    if corners is not None:
        coords = np.concatenate([corners, coords], axis=0)
        labels = np.concatenate([np.array([2, 3], np.int32), labels])
    if len(coords) == 0 and mask is None:
        raise PromptError("empty prompt: give at least one click, a box or a mask_input")
    if len(coords) == 0:
        return PreparedPrompt(None, None, mask)
    model_xy = _to_model_pixels(coords, size, image_size)[None]
    return PreparedPrompt(model_xy, torch.as_tensor(labels)[None], mask)


def prepare_batch(point_coords: np.ndarray, point_labels: np.ndarray, size: tuple[int, int],
                  image_size: int) -> PreparedPrompt:
    """B prompts of P clicks each: coords B×P×2, labels B×P (1/0)."""
    c = np.asarray(point_coords, dtype=np.float32)
    lab = np.asarray(point_labels)
    if c.ndim != 3 or c.shape[2] != 2 or lab.shape != c.shape[:2] or c.shape[0] == 0:
        raise PromptError(f"point_coords must be B×P×2 and point_labels B×P; got {c.shape} "
                          f"and {lab.shape}")
    if not np.isin(lab, (0, 1)).all() or not np.isfinite(c).all():
        raise PromptError("point labels must be 1/0 and coordinates finite")
    model_xy = _to_model_pixels(c, size, image_size)
    return PreparedPrompt(model_xy, torch.as_tensor(lab.astype(np.int32)), None, c.shape[0])
