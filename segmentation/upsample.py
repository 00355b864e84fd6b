"""Low-resolution mask logits → video resolution: bilinear (official) or image-guided.

SAM 2 predicts S/4×S/4 logits (256×256 for the 1024 models) and the official path resizes
them bilinearly, which turns every edge into a smooth blob at 1080p. ``"guided"`` runs a
fast guided filter (He & Sun's sub-sampled form of He et al.'s guided filter) over the
bilinear probability map with the frame as the colour guide: inside each window the
output is a linear function of the frame's RGB, so the 0.5 crossing moves onto the colour
edge while flat, confident regions keep their value (a constant input is a fixed point).

numpy + OpenCV only; CPU. Probabilities are ``sigmoid(logit)``; results go back to logits
(clipped to ±:data:`LOGIT_LIMIT`), and an absent object (every logit exactly
:data:`~segmentation.types.ABSENT_LOGIT`) is returned unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from segmentation.types import ABSENT_LOGIT

UPSAMPLE_METHODS = ("bilinear", "guided")
#: logits of guided output lie in ±this (sigmoid(12) rounds to 255/255 in the 8-bit store)
LOGIT_LIMIT = 12.0


@dataclass(frozen=True)
class GuidedParams:
    """Guided-filter settings, in output (video) pixels.

    Attributes:
        radius_px: half-size of the box window at video resolution.
        eps: regularisation on RGB in [0, 1]² units (larger = smoother, closer to bilinear).
        work_scale: the coefficients are computed on the frame shrunk by this factor
            (≥ 1) and bilinearly enlarged, which is the "fast" part of the filter.
    """

    radius_px: float = 6.0
    eps: float = 1e-3
    work_scale: int = 2


def _box(x: np.ndarray, r: int) -> np.ndarray:
    """Mean over a (2r+1)² window (reflected border), float32."""
    return cv2.blur(x, (2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REFLECT)


def guided_filter(guide: np.ndarray, src: np.ndarray, radius_px: int, eps: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients of the colour guided filter: output = Σ_c a[..., c]·guide[..., c] + b.

    Args:
        guide: h×w×3 float32 (RGB in [0, 1]).
        src: h×w float32 map to filter.
        radius_px: box radius (≥ 1).
        eps: regularisation.
    Returns:
        (a h×w×3 float32, b h×w float32), already window-averaged.
    """
    r = max(1, int(radius_px))
    mean_i = _box(guide, r)
    mean_p = _box(src, r)
    ip = guide * src[..., None]
    cov_ip = _box(ip, r) - mean_i * mean_p[..., None]
    # 3×3 covariance of the guide per pixel (6 unique entries) + eps·I
    pairs = ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))
    prods = np.dstack([guide[..., i] * guide[..., j] for i, j in pairs])
    var = _box(prods, r) - np.dstack([mean_i[..., i] * mean_i[..., j] for i, j in pairs])
    s00, s01, s02, s11, s12, s22 = (var[..., k] for k in range(6))
    s00, s11, s22 = s00 + eps, s11 + eps, s22 + eps
    # inverse of a symmetric 3×3 by cofactors
    c00 = s11 * s22 - s12 * s12
    c01 = s02 * s12 - s01 * s22
    c02 = s01 * s12 - s02 * s11
    c11 = s00 * s22 - s02 * s02
    c12 = s01 * s02 - s00 * s12
    c22 = s00 * s11 - s01 * s01
    det = s00 * c00 + s01 * c01 + s02 * c02
    inv_det = 1.0 / np.maximum(det, 1e-12)
    x, y, z = cov_ip[..., 0], cov_ip[..., 1], cov_ip[..., 2]
    a = np.dstack([(c00 * x + c01 * y + c02 * z) * inv_det,
                   (c01 * x + c11 * y + c12 * z) * inv_det,
                   (c02 * x + c12 * y + c22 * z) * inv_det]).astype(np.float32)
    b = mean_p - (a * mean_i).sum(axis=2)
    return _box(a, r), _box(b.astype(np.float32), r)


def guided_upsample_probability(low_res_prob: np.ndarray, frame: np.ndarray,
                                params: GuidedParams = GuidedParams()) -> np.ndarray:
    """h×w float32 probability map → H×W float32 in [0, 1], guided by ``frame``.

    Args:
        low_res_prob: h×w float32 in [0, 1] (any aspect; stretched to the frame like SAM 2).
        frame: H×W×3 uint8 RGB at the output resolution.
        params: see :class:`GuidedParams`.
    """
    height, width = frame.shape[:2]
    s = max(1, int(params.work_scale))
    wh, ww = max(1, round(height / s)), max(1, round(width / s))
    small = cv2.resize(frame, (ww, wh), interpolation=cv2.INTER_AREA) if s > 1 else frame
    guide = small.astype(np.float32) * np.float32(1.0 / 255.0)
    p = cv2.resize(np.asarray(low_res_prob, np.float32), (ww, wh),
                   interpolation=cv2.INTER_LINEAR)
    a, b = guided_filter(guide, p, max(1, round(params.radius_px / s)), params.eps)
    if s > 1:
        a = cv2.resize(a, (width, height), interpolation=cv2.INTER_LINEAR)
        b = cv2.resize(b, (width, height), interpolation=cv2.INTER_LINEAR)
    full = frame.astype(np.float32) * np.float32(1.0 / 255.0)
    q = b
    for c in range(3):
        q = q + a[..., c] * full[..., c]
    return np.clip(q, 0.0, 1.0).astype(np.float32, copy=False)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-np.clip(x, -60.0, 60.0)))).astype(np.float32)


def _logit(p: np.ndarray) -> np.ndarray:
    lim = 1.0 / (1.0 + np.exp(LOGIT_LIMIT))
    p = np.clip(p, lim, 1.0 - lim)
    return np.log(p / (1.0 - p)).astype(np.float32)


def upsample_logits(low_res: np.ndarray, height: int, width: int, method: str = "bilinear",
                    frame: np.ndarray | None = None,
                    params: GuidedParams = GuidedParams()) -> np.ndarray:
    """O×h×w float32 logits → O×H×W float32 logits at video resolution.

    ``method="bilinear"``: the official resize (align_corners False; OpenCV's half-pixel
    centres match it). ``"guided"``: :func:`guided_upsample_probability` with ``frame``
    (H×W×3 uint8 RGB) as the guide; objects that are absent (all ``ABSENT_LOGIT``) stay
    exactly absent.
    """
    if method not in UPSAMPLE_METHODS:
        raise ValueError(f"upsample method must be one of {UPSAMPLE_METHODS}, got {method!r}")
    low = np.asarray(low_res, np.float32)
    out = np.empty((low.shape[0], height, width), np.float32)
    for i, plane in enumerate(low):
        if np.all(plane == ABSENT_LOGIT):
            out[i] = ABSENT_LOGIT
        elif method == "bilinear" or frame is None:
            out[i] = cv2.resize(plane, (width, height), interpolation=cv2.INTER_LINEAR)
        else:
            if frame.shape[:2] != (height, width):
                raise ValueError(f"guide frame is {frame.shape[:2]}, output {height}×{width}")
            out[i] = _logit(guided_upsample_probability(_sigmoid(plane), frame, params))
    return out
