"""Colour models for GrabCut learned from chosen pixel samples.

Re-learning both colour models on every frame from the flow-warped labels lets errors feed
back (object pixels labelled background teach the background model the object's colours, so
the mask shrinks frame after frame). Instead the object model is learned from the prompted
frame's exact pixels plus the confident core of the current frame, and the background model
from the current frame's certain background only.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: Most pixels fed to GrabCut's k-means per model (its cost grows linearly with it).
MAX_SAMPLES: int = 6000


@dataclass(frozen=True)
class ColorModels:
    """GrabCut's two Gaussian mixture models, as the 1×65 float64 arrays cv2 uses."""

    background: np.ndarray
    foreground: np.ndarray


def subsample(pixels: np.ndarray, limit: int = MAX_SAMPLES, seed: int = 0) -> np.ndarray:
    """At most ``limit`` rows of an N×3 uint8 array (deterministic)."""
    if len(pixels) <= limit:
        return pixels
    rng = np.random.default_rng(seed)
    return pixels[rng.choice(len(pixels), limit, replace=False)]


def learn(foreground_rgb: np.ndarray, background_rgb: np.ndarray) -> ColorModels | None:
    """Fit GrabCut's models to N×3 / M×3 uint8 RGB samples; None when a side has < 10."""
    fg = subsample(foreground_rgb)
    bg = subsample(background_rgb)
    if len(fg) < 10 or len(bg) < 10:
        return None
    # GrabCut learns from a labelled image: stack the samples as one column of pixels.
    column = np.concatenate([fg, bg])[:, None, ::-1].copy()  # RGB → BGR
    labels = np.concatenate([np.full(len(fg), cv2.GC_FGD, np.uint8),
                             np.full(len(bg), cv2.GC_BGD, np.uint8)])[:, None].copy()
    bgd = np.zeros((1, 65), np.float64)
    fgd = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)  # k-means initialisation: same input, same result
    cv2.grabCut(column, labels, None, bgd, fgd, 0, cv2.GC_INIT_WITH_MASK)
    return ColorModels(bgd, fgd)


def segment_with(image_rgb: np.ndarray, labels: np.ndarray, models: ColorModels) -> np.ndarray:
    """One graph cut of an RGB crop with fixed colour models; returns a bool object mask."""
    work = labels.copy()
    bgr = np.ascontiguousarray(image_rgb[..., ::-1])
    cv2.grabCut(bgr, work, None, models.background.copy(), models.foreground.copy(), 1,
                cv2.GC_EVAL_FREEZE_MODEL)
    return (work == cv2.GC_FGD) | (work == cv2.GC_PR_FGD)


def log_likelihood(model: np.ndarray, pixels_rgb: np.ndarray) -> np.ndarray:
    """Log-density (N,) float64 of N×3 uint8 RGB pixels under one of GrabCut's models.

    OpenCV's 1×65 layout: 5 component weights, then 5 BGR means (3 each), then 5 3×3
    covariances (9 each).
    """
    k = 5
    weights = model[0, :k]
    means = model[0, k : 4 * k].reshape(k, 3)
    covs = model[0, 4 * k :].reshape(k, 3, 3)
    x = pixels_rgb[:, ::-1].astype(np.float64)  # RGB → BGR, as the model was learned
    total = np.zeros(len(x))
    for w, mean, cov in zip(weights, means, covs):
        if w <= 0:
            continue
        cov = cov + np.eye(3) * 1e-2
        diff = x - mean
        inv = np.linalg.inv(cov)
        mahal = np.einsum("ni,ij,nj->n", diff, inv, diff)
        norm = w / np.sqrt(np.linalg.det(cov) * (2 * np.pi) ** 3)
        total += norm * np.exp(-0.5 * mahal)
    return np.log(total + 1e-300)
