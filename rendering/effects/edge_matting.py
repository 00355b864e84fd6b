"""Refine edge: a soft alpha in a band around a mask's boundary, from the frame's colours.

No learned weights. Around the 0.5 outline of the mask, a band of ``band_px`` on each side
is "unknown". Colour samples are taken close to the outline — foreground from the mask
eroded by a small margin (⌈band/2⌉ px), background from the outside of the mask dilated by
the same margin — and for each band pixel the local foreground colour F̄ and background
colour B̄ are their Gaussian-weighted means (σ = 0.5·band: near samples count most; a
normalised convolution). Alpha is the position of the pixel's colour on the segment
B̄ → F̄ (a local two-colour model, as in colour-line / closed-form matting, solved per pixel
instead of globally). A second pass re-takes the samples with the first pass's answer: band
pixels it found clearly foreground (α ≥ 0.9) or background (α ≤ 0.1) become samples and
mixed ones stop being samples, so an outline a few pixels off no longer leaks background
colours into F̄. Where F̄ and B̄ are too alike to tell apart, the mask's own value is kept.
``strength`` blends the input mask (0) with the estimate (1).

Sampling near the outline but estimating over a wider band lets strands and motion blur
well outside a slightly wrong outline be found, while the colour models stay local.
(margin and σ as fractions of the band were chosen together with the band by
leave-one-clip-out on the matting benchmark, ``benchmarks/bench_edges.py matting --tune``:
every fold picked band 4 px at 854×480, margin 0.5·band, σ 0.5·band.)

Decontaminate: in the band the frame's colour ``I`` is a mix ``α·F + (1 − α)·B``; the
foreground colour is recovered as ``F = B̄ + (I − B̄)/α`` (clamped to the colour range and
pulled to F̄ where α is small), so a cut-out or a new background does not carry a fringe
of the old background (green wall → green hair).

Cost: everything runs in the band's bounding box; the colour models are blurred at a
reduced resolution (σ ≥ 1.5 work pixels) and read back at the band's pixels only, so 1080p
stays within a few tens of milliseconds on two cores.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

#: |F̄ − B̄|² below this (RGB in [0, 1]) is "no colour contrast": keep the mask there.
_MIN_CONTRAST = 0.004
#: below this alpha, the decontaminated colour is F̄ (the division is too noisy).
_MIN_ALPHA = 0.05
#: alpha from the first pass at least this (at most 1 − this) makes a foreground
#: (background) colour sample for the second pass
_SURE = 0.9
#: a colour model with less sample weight than this (fraction of a full window) is unusable.
_MIN_WEIGHT = 1e-3


def _disc(radius_px: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius_px + 1, 2 * radius_px + 1))


def sample_margin_px(band: int) -> int:
    """Distance from the outline (px) beyond which pixels are colour samples."""
    return max(1, math.ceil(band / 2))


def colour_sigma_px(band: int) -> float:
    """Gaussian σ (px) of the local colour models."""
    return max(1.0, 0.5 * band)


def band_box(mask: np.ndarray, pad_px: int) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1) of the outline's bounding box grown by ``pad_px`` (the work area),
    None: the mask has no outline."""
    m = (mask >= 0.5).astype(np.uint8)
    edge = cv2.morphologyEx(m, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    x, y, w, h = cv2.boundingRect(edge)
    if w == 0 or h == 0:
        return None
    hh, ww = mask.shape
    return (max(0, y - pad_px), min(hh, y + h + pad_px),
            max(0, x - pad_px), min(ww, x + w + pad_px))


def _sample_maps(coords: np.ndarray, scale: float) -> np.ndarray:
    """Pixel indices → a rows×1024 float32 map of coarse-grid positions for ``cv2.remap``
    (which needs both sides under 32767; the tail is padded)."""
    pos = (coords.astype(np.float32) + 0.5) * np.float32(scale) - 0.5
    rows = max(1, -(-len(pos) // 1024))
    out = np.zeros(rows * 1024, np.float32)
    out[:len(pos)] = pos
    return out.reshape(rows, 1024)


def _colour_models(rgbw: np.ndarray, fg: np.ndarray, bg: np.ndarray, sigma: float,
                   ys: np.ndarray, xs: np.ndarray) -> tuple[np.ndarray, ...]:
    """Gaussian-weighted mean foreground and background colours at the pixels (ys, xs).

    Args:
        rgbw: h×w×4 uint8, the work area's RGB and a constant 255.
        fg, bg: h×w uint8 {0, 1}, the foreground and background colour samples.
        sigma: Gaussian σ in work-area pixels.
    Returns:
        (F̄ N×3 float32, B̄ N×3 float32 in [0, 1], usable N bool).
    """
    h, w = fg.shape
    scale = max(1, min(int(sigma), h, w))
    # a whole number of coarse cells (OpenCV's fast integer-factor area average); the few
    # rows/columns cut off are the far edge of the work area's padding
    hc, wc = h - h % scale, w - w % scale
    sx = sy = 1.0 / scale
    map_x, map_y = _sample_maps(xs, sx), _sample_maps(ys, sy)
    at = []
    for weight in (fg, bg):
        # (RGB·w, 255·w): area average on the 8-bit grid first (its rounding is far below
        # the colour noise), then the blur on the coarse grid, then bilinear reads at the
        # band's pixels only
        stack = cv2.bitwise_and(rgbw[:hc, :wc], rgbw[:hc, :wc], mask=weight[:hc, :wc])
        if scale > 1:
            stack = cv2.resize(stack, (wc // scale, hc // scale), interpolation=cv2.INTER_AREA)
        stack = cv2.GaussianBlur(stack.astype(np.float32), (0, 0), sigma * sx,
                                 borderType=cv2.BORDER_REPLICATE)
        at.append(cv2.remap(stack, map_x, map_y, cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REPLICATE).reshape(-1, 4)[:len(xs)])
    f_w, b_w = at[0][:, 3], at[1][:, 3]
    f_mean = at[0][:, :3] / np.maximum(f_w, 1e-3)[:, None]
    b_mean = at[1][:, :3] / np.maximum(b_w, 1e-3)[:, None]
    return f_mean, b_mean, (f_w > 255 * _MIN_WEIGHT) & (b_w > 255 * _MIN_WEIGHT)


def _estimate(colour: np.ndarray, f_mean: np.ndarray, b_mean: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """(alpha N float32 in [0, 1]: the colours' positions on B̄ → F̄, contrast |F̄ − B̄|²)."""
    d = f_mean - b_mean
    d2 = np.einsum("ij,ij->i", d, d)
    est = np.einsum("ij,ij->i", colour - b_mean, d) / np.maximum(d2, 1e-6)
    return np.clip(est, 0.0, 1.0, out=est), d2


def refine_edge(mask: np.ndarray, frame: np.ndarray, band_px: float, strength: float = 1.0,
                decontaminate: bool = False, base: np.ndarray | None = None, *,
                margin_px: int | None = None, sigma_px: float | None = None
                ) -> tuple[np.ndarray, np.ndarray | None]:
    """Soft alpha around the mask's boundary (and the foreground colours, if asked).

    Args:
        mask: H×W float32 in [0, 1]; its 0.5 level is the outline.
        frame: H×W×3 uint8 RGB, same size.
        band_px: half-width of the unknown band (output pixels, ≥ 1).
        strength: 0 = the mask unchanged, 1 = the estimated alpha in the band.
        decontaminate: also estimate the foreground colour in the band.
        base: H×W×3 uint8, the frame the band's foreground colours are pasted into
            (default ``frame``; e.g. the clip's frame when ``frame`` is a denoised guide).
        margin_px, sigma_px: override :func:`sample_margin_px` / :func:`colour_sigma_px`
            (for the benchmark's tuning; the defaults are what it chose).
    Returns:
        (alpha H×W float32 [0, 1], foreground H×W×3 uint8 — ``base`` with the band's
        colours replaced by their estimated foreground colours — or None).
        Outside the band alpha equals the mask and the frame is unchanged.
    """
    m = np.asarray(mask, np.float32)
    band = max(1, int(round(band_px)))
    sigma = colour_sigma_px(band) if sigma_px is None else max(0.5, float(sigma_px))
    margin = sample_margin_px(band) if margin_px is None else max(1, int(margin_px))
    base = frame if base is None else base
    box = band_box(m, band + int(math.ceil(3 * sigma)) + 2)
    if box is None or strength <= 0:
        return m, (base if decontaminate else None)
    y0, y1, x0, x1 = box
    sub_m = m[y0:y1, x0:x1]
    img = frame[y0:y1, x0:x1, :3]
    rgbw = cv2.merge([*cv2.split(img), np.full(img.shape[:2], 255, np.uint8)])
    hard = (sub_m >= 0.5).astype(np.uint8)
    unknown = cv2.dilate(hard, _disc(band)) - cv2.erode(hard, _disc(band))
    ys, xs = np.nonzero(unknown)
    colour = img[ys, xs].astype(np.float32) * np.float32(1.0 / 255.0)
    fg = cv2.erode(hard, _disc(margin))
    bg = 1 - cv2.dilate(hard, _disc(margin))
    old = sub_m[ys, xs]
    f_mean, b_mean, usable = _colour_models(rgbw, fg, bg, sigma, ys, xs)
    est, d2 = _estimate(colour, f_mean, b_mean)
    est = np.where(usable & (d2 > _MIN_CONTRAST), est, old)
    # second pass: the band's own clear pixels become samples and the ones the first pass
    # found mixed stop being samples (a slightly wrong outline no longer leaks background
    # colours into F̄ or foreground colours into B̄)
    fg[ys, xs] = est >= _SURE
    bg[ys, xs] = est <= 1.0 - _SURE
    f_mean, b_mean, usable = _colour_models(rgbw, fg, bg, sigma, ys, xs)
    est, d2 = _estimate(colour, f_mean, b_mean)
    usable &= d2 > _MIN_CONTRAST
    s = np.float32(min(max(strength, 0.0), 1.0))
    alpha = np.where(usable, old + s * (est - old), old).astype(np.float32)
    out = m.copy()
    out[y0 + ys, x0 + xs] = alpha
    colours = None
    if decontaminate:
        colours = np.array(base[..., :3], copy=True)
        a = alpha[:, None]
        pure = b_mean + (colour - b_mean) / np.maximum(a, _MIN_ALPHA)
        pure = np.where(a < _MIN_ALPHA, f_mean, np.clip(pure, 0.0, 1.0))
        keep = usable[:, None]
        colours[y0 + ys, x0 + xs] = np.where(keep, np.clip(pure * 255.0 + 0.5, 0, 255),
                                        colour * 255.0 + 0.5).astype(np.uint8)
    return np.clip(out, 0.0, 1.0, out=out), colours
