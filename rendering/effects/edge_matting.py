"""Refine edge: a soft alpha in a band around a mask's boundary, from the frame's colours.

No learned weights. Around the 0.5 outline of the mask, a band of ``band_px`` on each side
is "unknown"; deeper inside is sure foreground, further out sure background. For each
band pixel the local mean colours F̄ (of the sure foreground) and B̄ (of the sure
background) are taken over a window four times the band (integral images, so cost does not grow
with the window), and alpha is the position of the pixel's colour on the segment
B̄ → F̄ (a local two-colour model, as in colour-line / closed-form matting, solved per
pixel instead of globally). Where F̄ and B̄ are too alike to tell apart, the mask's own
(feathered) value is kept. ``strength`` blends the input mask (0) with the estimate (1).

Decontaminate: in the band the frame's colour ``I`` is a mix ``α·F + (1 − α)·B``; the
foreground colour is recovered as ``F = B̄ + (I − B̄)/α`` (clamped to the colour range and
pulled to F̄ where α is small), so a cut-out or a new background does not carry a fringe
of the old background (green wall → green hair).

Cost: one integral image per colour model over the band's bounding box, then work on the
band's pixels only.
"""

from __future__ import annotations

import cv2
import numpy as np

#: |F̄ − B̄|² below this (RGB in [0, 1]) is "no colour contrast": keep the mask there.
_MIN_CONTRAST = 0.004
#: below this alpha, the decontaminated colour is F̄ (the division is too noisy).
_MIN_ALPHA = 0.05


def _disc(radius_px: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius_px + 1, 2 * radius_px + 1))


def _window_corners(shape: tuple[int, int], ys: np.ndarray, xs: np.ndarray, r: int
                    ) -> tuple[np.ndarray, ...]:
    """Flat indices into an (h+1)×(w+1) integral image of the four corners of the
    (2r+1)² window (clipped at the border) around each (ys[k], xs[k])."""
    h, w = shape
    y0, y1 = np.clip(ys - r, 0, h), np.clip(ys + r + 1, 0, h)
    x0, x1 = np.clip(xs - r, 0, w), np.clip(xs + r + 1, 0, w)
    stride = w + 1
    return y1 * stride + x1, y0 * stride + x1, y1 * stride + x0, y0 * stride + x0


def _window_means(image: np.ndarray, weight: np.ndarray, corners: tuple[np.ndarray, ...]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Mean colour of ``image`` (h×w×3 float32) where ``weight`` (h×w float32 {0, 1}) is
    set, over the windows of ``corners``: (N×3 float32, counts N).

    One integral image, four look-ups per pixel: only the band's pixels cost anything."""
    stacked = cv2.merge([*cv2.split(cv2.multiply(image, cv2.merge([weight] * 3))), weight])
    table = cv2.integral(stacked, sdepth=cv2.CV_64F).reshape(-1, 4)
    a, b, c, d = corners
    sums = table[a] - table[b] - table[c] + table[d]
    counts = sums[:, 3]
    return (sums[:, :3] / np.maximum(counts, 1.0)[:, None]).astype(np.float32), counts


def band_box(mask: np.ndarray, band_px: int) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1) of the outline grown by 5·band (the work area), None: no outline."""
    m = (mask >= 0.5).astype(np.uint8)
    edge = cv2.morphologyEx(m, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    x, y, w, h = cv2.boundingRect(edge)
    if w == 0 or h == 0:
        return None
    pad = 5 * band_px + 2
    hh, ww = mask.shape
    return max(0, y - pad), min(hh, y + h + pad), max(0, x - pad), min(ww, x + w + pad)


def refine_edge(mask: np.ndarray, frame: np.ndarray, band_px: float, strength: float = 1.0,
                decontaminate: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """Soft alpha around the mask's boundary (and the foreground colours, if asked).

    Args:
        mask: H×W float32 in [0, 1]; its 0.5 level is the outline.
        frame: H×W×3 uint8 RGB, same size.
        band_px: half-width of the unknown band (output pixels, ≥ 1).
        strength: 0 = the mask unchanged, 1 = the estimated alpha in the band.
        decontaminate: also estimate the foreground colour in the band.
    Returns:
        (alpha H×W float32 [0, 1], foreground H×W×3 uint8 — the frame with the band's
        colours replaced by their estimated foreground colours — or None).
        Outside the band alpha equals the mask and the frame is unchanged.
    """
    m = np.asarray(mask, np.float32)
    band = max(1, int(round(band_px)))
    box = band_box(m, band)
    if box is None or strength <= 0:
        return m, (frame if decontaminate else None)
    y0, y1, x0, x1 = box
    sub_m = m[y0:y1, x0:x1]
    img = frame[y0:y1, x0:x1, :3].astype(np.float32) * np.float32(1.0 / 255.0)
    hard = (sub_m >= 0.5).astype(np.uint8)
    sure_fg = cv2.erode(hard, _disc(band))
    sure_bg = 1 - cv2.dilate(hard, _disc(band))
    ys, xs = np.nonzero((sure_fg == 0) & (sure_bg == 0))  # the unknown band
    r = 4 * band
    corners = _window_corners(hard.shape, ys, xs, r)
    f_mean, f_count = _window_means(img, sure_fg.astype(np.float32), corners)
    b_mean, b_count = _window_means(img, sure_bg.astype(np.float32), corners)
    colour = img[ys, xs]
    d = f_mean - b_mean
    d2 = (d * d).sum(axis=1)
    est = np.clip(((colour - b_mean) * d).sum(axis=1) / np.maximum(d2, 1e-6), 0.0, 1.0)
    usable = (d2 > _MIN_CONTRAST) & (f_count > 0) & (b_count > 0)
    old = sub_m[ys, xs]
    s = np.float32(min(max(strength, 0.0), 1.0))
    alpha = np.where(usable, old + s * (est - old), old).astype(np.float32)
    out = m.copy()
    out[y0 + ys, x0 + xs] = alpha
    fg = None
    if decontaminate:
        fg = np.array(frame[..., :3], copy=True)
        a = alpha[:, None]
        pure = b_mean + (colour - b_mean) / np.maximum(a, _MIN_ALPHA)
        pure = np.where(a < _MIN_ALPHA, f_mean, np.clip(pure, 0.0, 1.0))
        keep = usable[:, None]
        fg[y0 + ys, x0 + xs] = np.where(keep, np.clip(pure * 255.0 + 0.5, 0, 255),
                                        colour * 255.0 + 0.5).astype(np.uint8)
    return np.clip(out, 0.0, 1.0), fg
