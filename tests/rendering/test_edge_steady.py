"""Steady edges (rendering/effects/edge_temporal.py through MaskRefinement): a still edge
stops shimmering, a moving edge does not lag or smear, the result is a function of the
clip (not of the render order), and nothing changes away from the outline."""

from __future__ import annotations

import cv2
import numpy as np

from rendering.effects.base import EffectContext
from rendering.effects.refine import MaskRefinement

H, W = 72, 120


class _Clip:
    """Frame source and mask source (object 1) over lists of arrays."""

    def __init__(self, frames: list[np.ndarray], masks: list[np.ndarray]) -> None:
        self.frames, self.masks = frames, masks

    def __len__(self) -> int:
        return len(self.frames)

    def read(self, *args: int) -> np.ndarray | None:
        if len(args) == 1:
            return self.frames[args[0]]
        object_id, i = args
        return self.masks[i] if object_id == 1 and 0 <= i < len(self.masks) else None


def _scene(x_edge: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(frame, true alpha): a textured red object left of ``x_edge`` (anti-aliased) over a
    textured green background, with sensor noise (σ 4 levels)."""
    xx = np.arange(W, dtype=np.float32)[None, :].repeat(H, 0)
    yy = np.arange(H, dtype=np.float32)[:, None].repeat(W, 1)
    alpha = np.clip(x_edge - xx + 0.5, 0, 1)
    fg = np.stack([200 + 20 * np.sin((xx - x_edge) / 3), 40 + 0 * xx, 30 + 10 * np.cos(yy / 4)], -1)
    bg = np.stack([30 + 0 * xx, 170 + 20 * np.sin(yy / 5 + xx / 7), 60 + 0 * xx], -1)
    image = alpha[..., None] * fg + (1 - alpha[..., None]) * bg + rng.normal(0, 4, fg.shape)
    return np.clip(image + 0.5, 0, 255).astype(np.uint8), alpha


def _wobbly_mask(alpha: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A tracker's mask of ``alpha``: soft, shifted by up to ± 1 px."""
    logits = cv2.GaussianBlur((alpha - 0.5) * 8, (0, 0), 1.5)
    dx, dy = rng.uniform(-1.0, 1.0, 2)
    logits = cv2.warpAffine(logits, np.float32([[1, 0, dx], [0, 1, dy]]), (W, H),
                            borderMode=cv2.BORDER_REPLICATE)
    return (1 / (1 + np.exp(-logits))).astype(np.float32)


def _clip(speed_px: float, frames: int = 9, seed: int = 0):
    rng = np.random.default_rng(seed)
    images, masks, truths = [], [], []
    for k in range(frames):
        image, alpha = _scene(40 + speed_px * k, rng)
        images.append(image)
        masks.append(_wobbly_mask(alpha, rng))
        truths.append(alpha)
    return _Clip(images, masks), truths


def _render(clip: _Clip, refinement: MaskRefinement, order=None) -> dict[int, np.ndarray]:
    out = {}
    for i in order or range(len(clip)):
        ctx = EffectContext(frame_index=i, object_id=1, frames=clip, masks=clip)
        out[i] = refinement.apply(clip.masks[i], ctx, clip.frames[i])
    return out


def _edge(alpha: np.ndarray) -> np.ndarray:
    """Per row, the column count with alpha ≥ 0.5 (the edge's x)."""
    return (alpha >= 0.5).sum(axis=1).astype(float)


def test_still_edge_shimmers_at_least_half_less():
    clip, _ = _clip(speed_px=0.0)
    band = (np.abs(np.arange(W) - 40) <= 6)[None, :].repeat(H, 0)

    def shimmer(alphas):
        return np.mean([np.abs(alphas[i] - alphas[i - 1])[band].mean()
                        for i in range(3, len(clip) - 2)])
    alone = shimmer(_render(clip, MaskRefinement(edge_band_px=4.0)))
    steady = shimmer(_render(clip, MaskRefinement(edge_band_px=4.0, edge_steady_frames=2)))
    assert steady < 0.5 * alone


def test_moving_edge_does_not_lag_or_smear():
    clip, truths = _clip(speed_px=5.0)
    alone = _render(clip, MaskRefinement(edge_band_px=4.0))
    steady = _render(clip, MaskRefinement(edge_band_px=4.0, edge_steady_frames=2))
    plain = _render(clip, MaskRefinement(edge_band_px=4.0, temporal_frames=2))
    for i in range(2, len(clip) - 2):
        true_x = _edge(truths[i])
        assert abs(np.median(_edge(steady[i]) - true_x)) <= 1.0
        sad_steady = np.abs(steady[i] - truths[i]).sum()
        assert sad_steady < 1.25 * np.abs(alone[i] - truths[i]).sum() + 5
        assert sad_steady < 0.5 * np.abs(plain[i] - truths[i]).sum()  # the plain mean smears


def test_result_is_a_function_of_the_clip_not_of_the_render_order():
    clip, _ = _clip(speed_px=2.0)
    refinement = MaskRefinement(edge_band_px=4.0, edge_steady_frames=1, decontaminate=True)
    forward = _render(clip, refinement)
    backward = _render(clip, refinement, order=list(reversed(range(len(clip)))))
    for i in forward:
        np.testing.assert_array_equal(forward[i], backward[i])


def test_away_from_the_outline_nothing_changes():
    clip, _ = _clip(speed_px=0.0)
    i = 4
    ctx = EffectContext(frame_index=i, object_id=1, frames=clip, masks=clip)
    mask = clip.masks[i].copy()
    mask[:, :8] = 1.0  # far from the outline (x = 40): exactly what the store holds
    refinement = MaskRefinement(edge_band_px=3.0, edge_steady_frames=2, decontaminate=True)
    alpha, colours = refinement.refine(mask, ctx, clip.frames[i])
    np.testing.assert_array_equal(alpha[:, :8], 1.0)
    np.testing.assert_array_equal(colours[:, :8], clip.frames[i][:, :8])
    np.testing.assert_array_equal(colours[:, 90:], clip.frames[i][:, 90:])
    # without sources (a still image) the steady option is a no-op
    plain = MaskRefinement(edge_band_px=3.0)
    np.testing.assert_array_equal(refinement.apply(mask, EffectContext(), clip.frames[i]),
                                  plain.apply(mask, EffectContext(), clip.frames[i]))
