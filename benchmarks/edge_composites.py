"""Composites with a known soft alpha, for the matting benchmark of ``bench_edges.py``.

Each composite is ``I = α·F + (1 − α)·B`` at 854×480:

* α: a blob with a wavy outline (anti-aliased by 4× supersampling), hair/fur strands
  0.4–2 px wide growing out of it, and on some composites a motion-blurred side;
* F: a real frame of one of the six DAVIS clips (its colours and texture) — the clip is
  the composite's group, so parameters can be tuned leave-one-clip-out;
* B: a real frame of another clip, a flat green wall with noise, or a colour gradient.

The refine step gets what a tracker would give: α shrunk to a 256×256 soft map, enlarged
bilinearly, thresholded at 0.5 and eroded or dilated by 0–2 px — a coarse binary mask.
Everything is drawn from ``numpy.random.default_rng(seed)``: the set is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

H, W = 480, 854
SS = 4  # supersampling of the drawn alpha


@dataclass(frozen=True)
class Composite:
    """One test image: group (DAVIS clip of F), image H×W×3 uint8, true α H×W float32,
    true F H×W×3 uint8, coarse H×W float32 {0, 1} mask."""

    group: str
    image: np.ndarray
    alpha: np.ndarray
    foreground: np.ndarray
    coarse: np.ndarray


def _read(path: Path) -> np.ndarray:
    return cv2.resize(cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB), (W, H))


def _blob(rng: np.random.Generator) -> np.ndarray:
    """Supersampled uint8 {0, 255} blob with a wavy outline."""
    big = np.zeros((H * SS, W * SS), np.uint8)
    cx, cy = rng.uniform(0.35, 0.65) * W, rng.uniform(0.4, 0.6) * H
    t = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    radius = rng.uniform(0.18, 0.28) * H * np.ones_like(t)
    for k in range(2, 7):
        radius += rng.uniform(0, 0.03) * H * np.sin(k * t + rng.uniform(0, 2 * np.pi))
    rx = radius * rng.uniform(1.0, 1.6)
    pts = np.stack([cx + rx * np.cos(t), cy + radius * np.sin(t)], 1) * SS
    cv2.fillPoly(big, [np.round(pts).astype(np.int32)], 255, cv2.LINE_8)
    return big


def _strands(big: np.ndarray, rng: np.random.Generator, count: int) -> None:
    """Draw ``count`` hair strands from the blob's outline outwards (in place)."""
    contours, _ = cv2.findContours(big, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    outline = contours[0][:, 0, :].astype(np.float64)
    centre = outline.mean(axis=0)
    for _ in range(count):
        p = outline[rng.integers(len(outline))].copy()
        direction = p - centre
        direction /= np.linalg.norm(direction) + 1e-9
        angle = np.arctan2(direction[1], direction[0]) + rng.normal(0, 0.4)
        length = rng.uniform(8, 40) * SS
        steps = 12
        pts = [p - 3 * SS * direction]  # start inside the blob
        for _ in range(steps):
            angle += rng.normal(0, 0.15)
            p = p + length / steps * np.array([np.cos(angle), np.sin(angle)])
            pts.append(p)
        width = max(1, int(round(rng.uniform(0.4, 2.0) * SS)))
        cv2.polylines(big, [np.round(np.array(pts)).astype(np.int32)], False, 255, width,
                      cv2.LINE_AA)


def _motion_blur(alpha: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Blur the right or left third of α along a random direction (9–21 px streak)."""
    length = int(rng.integers(9, 22))
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0
    rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1)
    kernel = cv2.warpAffine(kernel, rot, (length, length))
    kernel /= kernel.sum()
    blurred = cv2.filter2D(alpha, -1, kernel)
    side = np.zeros_like(alpha)
    xs = np.flatnonzero(alpha.max(axis=0) > 0)
    cut = xs.min() + (xs.max() - xs.min()) * (2 / 3 if rng.random() < 0.5 else 1 / 3)
    side[:, int(cut):] = 1.0
    side = cv2.GaussianBlur(side, (0, 0), 8)
    return alpha * (1 - side) + blurred * side


def _background(kind: int, rng: np.random.Generator, other: np.ndarray) -> np.ndarray:
    if kind == 0:
        return other
    if kind == 1:  # a green wall
        wall = np.empty((H, W, 3), np.float32)
        wall[:] = (40, 170 + rng.uniform(-20, 20), 60)
        wall += rng.normal(0, 4, wall.shape)
        return np.clip(wall, 0, 255).astype(np.uint8)
    a, b = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    ramp = np.linspace(0, 1, W, dtype=np.float32)[None, :, None]
    return np.clip(a * (1 - ramp) + b * ramp, 0, 255).astype(np.uint8).repeat(H, 0)


def coarse_mask(alpha: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """α → 256² soft map → bilinear → ≥ 0.5 → eroded/dilated by 0–2 px; float32 {0, 1}."""
    low = cv2.resize(alpha, (256, 256), interpolation=cv2.INTER_AREA)
    m = (cv2.resize(low, (W, H), interpolation=cv2.INTER_LINEAR) >= 0.5).astype(np.uint8)
    grow = int(rng.integers(-2, 3))
    if grow:
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(grow) + 1,) * 2)
        m = cv2.dilate(m, disc) if grow > 0 else cv2.erode(m, disc)
    return m.astype(np.float32)


def composites(clips_dir: Path, groups: list[str], per_group: int = 4, seed: int = 20
               ) -> list[Composite]:
    """``per_group`` composites per DAVIS clip name in ``groups`` (reproducible)."""
    rng = np.random.default_rng(seed)
    frames = {g: sorted((clips_dir / f"davis2016_{g}" / "JPEGImages").glob("*.jpg"))
              for g in groups}
    out = []
    for gi, group in enumerate(groups):
        for k in range(per_group):
            fg = _read(frames[group][rng.integers(len(frames[group]))])
            other_group = groups[(gi + 1 + k) % len(groups)]
            other = _read(frames[other_group][rng.integers(len(frames[other_group]))])
            big = _blob(rng)
            _strands(big, rng, int(rng.integers(40, 120)))
            alpha = cv2.resize(big, (W, H), interpolation=cv2.INTER_AREA).astype(np.float32)
            alpha /= 255.0
            if k % 2 == 1:
                alpha = _motion_blur(alpha, rng)
            bg = _background(k % 3, rng, other)
            a3 = alpha[..., None]
            image = np.clip(a3 * fg + (1 - a3) * bg + 0.5, 0, 255).astype(np.uint8)
            out.append(Composite(group, image, alpha, fg, coarse_mask(alpha, rng)))
    return out


# ----------------------------------------------------------------------------- clips
class ArrayClip:
    """A clip held in memory: frame source (``len``, ``read``) and mask source
    (``read(object_id, i)``, object 1) for :class:`~rendering.effects.base.EffectContext`."""

    def __init__(self, frames: list[np.ndarray], masks: list[np.ndarray]) -> None:
        self.frames, self.masks = frames, masks

    def __len__(self) -> int:
        return len(self.frames)

    def read(self, *args: int) -> np.ndarray:
        if len(args) == 1:
            return self.frames[args[0]]
        object_id, frame_index = args
        inside = object_id == 1 and 0 <= frame_index < len(self.masks)
        return self.masks[frame_index] if inside else None


def _store_alpha(logits: np.ndarray) -> np.ndarray:
    """Logits → the masklet store's 8-bit alpha, as float32 [0, 1]."""
    p = 1.0 / (1.0 + np.exp(-np.clip(logits, -60, 60)))
    return np.round(255 * p).astype(np.float32) / 255.0


def jittered(logits: np.ndarray, rng: np.random.Generator, shift_px: float, level: float
             ) -> np.ndarray:
    """A tracker's frame-to-frame wobble of a still object: the logit map moved by a random
    sub-pixel shift (uniform ± ``shift_px``) and offset by ± ``level`` (the outline grows or
    shrinks by a fraction of a pixel), stored as 8-bit alpha."""
    dx, dy = rng.uniform(-shift_px, shift_px, 2)
    moved = cv2.warpAffine(logits, np.float32([[1, 0, dx], [0, 1, dy]]),
                           (logits.shape[1], logits.shape[0]), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
    return _store_alpha(moved + rng.uniform(-level, level))


def static_clip(frame: np.ndarray, logits: np.ndarray, frames: int = 24, noise: float = 3.0,
                shift_px: float = 0.6, level: float = 1.0, seed: int = 20) -> ArrayClip:
    """A static camera on a static object: ``frame`` (H×W×3 uint8) repeated with fresh
    Gaussian sensor noise (σ = ``noise`` levels) and the object's mask (``logits``, H×W
    float32, e.g. a tracker's result on that frame) with the wobble of :func:`jittered`."""
    rng = np.random.default_rng(seed)
    base = frame.astype(np.float32)
    out_frames, out_masks = [], []
    for _ in range(frames):
        noisy = base + rng.normal(0, noise, base.shape).astype(np.float32)
        out_frames.append(np.clip(noisy + 0.5, 0, 255).astype(np.uint8))
        out_masks.append(jittered(logits, rng, shift_px, level))
    return ArrayClip(out_frames, out_masks)


def moving_clip(background: np.ndarray, texture: np.ndarray, frames: int = 16,
                speed_px: float = 6.0, noise: float = 3.0, seed: int = 21
                ) -> tuple[ArrayClip, list[np.ndarray]]:
    """A textured ellipse (``texture``, H×W×3 uint8) sliding right by ``speed_px`` per frame
    over a still ``background`` (same size), with sensor noise and jittered masks; returns
    the clip and the true alpha of every frame (H×W float32)."""
    rng = np.random.default_rng(seed)
    h, w = background.shape[:2]
    truths, out_frames, out_masks = [], [], []
    for k in range(frames):
        big = np.zeros((h * SS, w * SS), np.uint8)
        cx = (0.25 * w + k * speed_px) * SS
        cv2.ellipse(big, (int(cx), int(0.5 * h * SS)), (int(0.16 * w * SS), int(0.3 * h * SS)),
                    0, 0, 360, 255, -1, cv2.LINE_8)
        alpha = cv2.resize(big, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
        shift = np.float32([[1, 0, k * speed_px], [0, 1, 0]])
        fg = cv2.warpAffine(texture, shift, (w, h), borderMode=cv2.BORDER_REFLECT)
        a3 = alpha[..., None]
        image = a3 * fg + (1 - a3) * background + rng.normal(0, noise, background.shape)
        out_frames.append(np.clip(image + 0.5, 0, 255).astype(np.uint8))
        logits = (alpha - 0.5) * 16.0  # a sharp-edged tracker logit map
        out_masks.append(jittered(logits.astype(np.float32), rng, 0.6, 1.0))
        truths.append(alpha)
    return ArrayClip(out_frames, out_masks), truths
