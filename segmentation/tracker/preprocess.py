"""Video-frame preprocessing exactly as SAM 2's video loader does it, without Pillow.

The official video predictor resizes each uint8 RGB frame to S×S with Pillow's default
bicubic filter (kernel a = −0.5, support widened by the scale factor when shrinking, 22-bit
fixed-point weights, horizontal pass then vertical pass, each rounded and clipped to uint8),
then divides by 255 in float64, casts to float32 and normalises with the ImageNet mean/std.
This module re-implements that resampler in NumPy (from Pillow's documented algorithm), so the
product needs no Pillow and matches the official inputs bit for bit (the micro fixture's
frames, 240×135 and 480×270, and landscape frames in general). Deviation: for some frames taller
than wide that are shrunk vertically, Pillow 13 runs its vertical pass first; we always run the
horizontal pass first (as Pillow's documented algorithm does), so a few pixels may differ by one
uint8 level (≤ 0.018 after normalisation).
"""

from __future__ import annotations

import math

import numpy as np
import torch

#: ImageNet mean / std used by SAM 2 (RGB, 0..1 scale).
IMAGE_MEAN = (0.485, 0.456, 0.406)
IMAGE_STD = (0.229, 0.224, 0.225)

_PRECISION_BITS = 32 - 8 - 2
_BICUBIC_A = -0.5
_BICUBIC_SUPPORT = 2.0


def _bicubic(x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    a = _BICUBIC_A
    near = ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    far = (((x - 5.0) * x + 8.0) * x - 4.0) * a
    return np.where(x < 1.0, near, np.where(x < 2.0, far, 0.0))


def _coefficients(in_size: int, out_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per output pixel: source indices (out×K int64) and fixed-point weights (out×K int64)."""
    scale = in_size / out_size
    filter_scale = max(scale, 1.0)
    support = _BICUBIC_SUPPORT * filter_scale
    ksize = int(math.ceil(support)) * 2 + 1
    centre = (np.arange(out_size) + 0.5) * scale
    xmin = np.maximum((centre - support + 0.5).astype(np.int64), 0)
    xmax = np.minimum((centre + support + 0.5).astype(np.int64), in_size) - xmin
    taps = np.arange(ksize)
    inv_scale = 1.0 / filter_scale
    weights = _bicubic((taps[None, :] + xmin[:, None] - centre[:, None] + 0.5) * inv_scale)
    weights = np.where(taps[None, :] < xmax[:, None], weights, 0.0)
    total = np.zeros((out_size, 1))
    for tap in range(ksize):  # sequential sum, as Pillow does (pairwise sums round differently)
        total[:, 0] += weights[:, tap]
    weights = np.where(total != 0.0, weights / np.where(total == 0.0, 1.0, total), weights)
    fixed = weights * (1 << _PRECISION_BITS)
    fixed = np.where(fixed < 0, np.trunc(fixed - 0.5), np.trunc(fixed + 0.5)).astype(np.int64)
    index = np.minimum(xmin[:, None] + taps[None, :], in_size - 1)
    return index, fixed


def _resample_axis(image: np.ndarray, out_size: int, axis: int) -> np.ndarray:
    """One Pillow pass along ``axis`` (0 = rows, 1 = columns) of an H×W×C uint8 image.

    Pillow sums integer products (uint8 × 22-bit weight) in integers; so does this, in int32:
    every partial sum is bounded by 2^21 + 255 · Σ|weights| · 2^22 < 1.3·10^9 < 2^31 (the
    bicubic weights of one output pixel sum to 1 with |weights| summing to at most ~1.3), so
    nothing overflows and the result is Pillow's bit for bit — 1.9× faster than the float64
    sums used before (720p → 512: 26 → 14 ms on 2 cores).
    """
    index, fixed = _coefficients(image.shape[axis], out_size)
    src = torch.from_numpy(np.ascontiguousarray(np.moveaxis(image, axis, 0)))  # (in, …, C)
    weights = torch.from_numpy(fixed.astype(np.int32))  # (out, K)
    taps = torch.from_numpy(index)
    acc = torch.full((out_size, *src.shape[1:]), 1 << (_PRECISION_BITS - 1), dtype=torch.int32)
    for k in range(taps.shape[1]):
        acc.add_(src.index_select(0, taps[:, k]).int().mul_(weights[:, k, None, None]))
    acc.bitwise_right_shift_(_PRECISION_BITS)  # (sum + half) >> bits, as Pillow rounds
    return np.moveaxis(acc.clamp_(0, 255).to(torch.uint8).numpy(), 0, axis)


def resize_bicubic_like_pil(image: np.ndarray, size: int) -> np.ndarray:
    """Resize H×W×3 uint8 RGB to size×size uint8 like ``PIL.Image.resize`` (bicubic, default).

    Aspect ratio is not kept (SAM 2 squashes the frame into the model's square input).
    """
    if image.dtype != np.uint8 or image.ndim != 3:
        raise ValueError(f"expected an H×W×C uint8 image, got {image.dtype} {image.shape}")
    out = image
    if out.shape[1] != size:
        out = _resample_axis(out, size, axis=1)
    if out.shape[0] != size:
        out = _resample_axis(out, size, axis=0)
    return out


def preprocess_frame(frame: np.ndarray, image_size: int) -> torch.Tensor:
    """H×W×3 uint8 RGB frame → 3×S×S float32 model input (S = ``image_size``).

    Same arithmetic as the official video loader: Pillow-bicubic uint8 resize, /255 in float64,
    cast to float32, then ``(x − mean) / std`` in float32. Values lie in about [−2.12, 2.64].
    """
    resized = resize_bicubic_like_pil(np.ascontiguousarray(frame[..., :3]), image_size)
    x = torch.from_numpy(resized / 255.0).permute(2, 0, 1).float()
    mean = torch.tensor(IMAGE_MEAN, dtype=torch.float32)[:, None, None]
    std = torch.tensor(IMAGE_STD, dtype=torch.float32)[:, None, None]
    return (x - mean) / std
