"""Refine edge (rendering/effects/edge_matting.py through MaskRefinement and the compositor):
pixels on sharp and soft edges, flat regions, decontaminated colours."""

from __future__ import annotations

import numpy as np

from rendering.compositor import render_frame, visible_masks
from rendering.effects.base import EffectContext, make_effect
from rendering.effects.edge_matting import refine_edge
from rendering.effects.refine import MaskRefinement
from rendering.effects.stack import EffectInstance, ObjectStack, RenderStacks

H, W = 96, 160
EDGE_X = 70
RED, GREEN = (210, 40, 30), (30, 180, 50)


def _frame(noise: int = 5, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    f = np.empty((H, W, 3), np.int16)
    f[:, :EDGE_X] = RED
    f[:, EDGE_X:] = GREEN
    f += rng.integers(-noise, noise + 1, f.shape, dtype=np.int16)
    return np.clip(f, 0, 255).astype(np.uint8)


def _coarse(edge_x: int) -> np.ndarray:
    m = np.zeros((H, W), np.float32)
    m[:, :edge_x] = 1.0
    return m


def _crossing(alpha: np.ndarray) -> np.ndarray:
    """Per row, the column count with alpha ≥ 0.5 (= the edge column, left-aligned)."""
    return (alpha >= 0.5).sum(axis=1)


def test_edge_on_sharp_colour_boundary_lands_within_1px():
    coarse = _coarse(EDGE_X + 3)  # the mask overshoots the red object by 3 px
    feathered = MaskRefinement(feather_px=3.0).apply(coarse, EffectContext())
    assert np.all(np.abs(_crossing(feathered) - EDGE_X) >= 2)
    refined = MaskRefinement(edge_band_px=5.0).apply(coarse, EffectContext(), _frame())
    assert np.all(np.abs(_crossing(refined) - EDGE_X) <= 1)
    # the step is sharp, like the frame's: almost no pixel is left half-way
    assert ((refined > 0.1) & (refined < 0.9)).sum() < 0.1 * H


def test_flat_region_stays_untouched_and_no_contrast_keeps_the_mask():
    coarse = _coarse(EDGE_X + 3)
    frame = _frame()
    alpha, colours = refine_edge(coarse, frame, 4.0, decontaminate=True)
    x = np.arange(W)
    far = np.abs(x - (EDGE_X + 3)) > 4  # outside the band
    np.testing.assert_array_equal(alpha[:, far], coarse[:, far])
    np.testing.assert_array_equal(colours[:, far], frame[:, far])
    flat = np.full((H, W, 3), 128, np.uint8)  # nothing to go by: the mask stays as it was
    same, _ = refine_edge(coarse, flat, 4.0)
    np.testing.assert_array_equal(same, coarse)
    # strength 0 is the identity, strength 0.5 half way
    np.testing.assert_array_equal(refine_edge(coarse, frame, 4.0, 0.0)[0], coarse)
    half = refine_edge(coarse, frame, 4.0, 0.5)[0]
    full = refine_edge(coarse, frame, 4.0, 1.0)[0]
    np.testing.assert_allclose(half, (coarse + full) / 2, atol=1e-6)


def _hair_composite(seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(image, true alpha, coarse mask): a red object with a ragged, partly soft border
    over a textured green background."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    border = EDGE_X + 6 * np.sin(yy / 5.0) + 3 * np.sin(yy / 1.7)
    alpha = np.clip(border - xx + 0.5, 0, 1)  # anti-aliased ragged edge
    strands = (np.abs(np.sin(yy * 1.3)) > 0.8) & (xx > border) & (xx < border + 8)
    alpha = np.maximum(alpha, 0.5 * strands)  # thin half-covered strands
    fg = np.empty((H, W, 3), np.float32)
    fg[:] = RED
    bg = np.empty((H, W, 3), np.float32)
    bg[:] = GREEN
    bg += rng.normal(0, 6, bg.shape)
    image = np.clip(alpha[..., None] * fg + (1 - alpha[..., None]) * bg + 0.5, 0, 255)
    coarse = (np.clip(EDGE_X + 1 - xx, 0, 1) >= 0.5).astype(np.float32)  # a straight cut
    return image.astype(np.uint8), alpha.astype(np.float32), coarse


def test_known_composite_beats_feather():
    image, truth, coarse = _hair_composite()
    feather_sad = min(np.abs(MaskRefinement(feather_px=f).apply(coarse, EffectContext())
                             - truth).sum() for f in (0.0, 1.0, 2.0, 4.0, 8.0))
    refined = MaskRefinement(edge_band_px=8.0).apply(coarse, EffectContext(), image)
    assert np.abs(refined - truth).sum() < 0.5 * feather_sad


def test_decontaminate_removes_the_background_fringe():
    image, truth, coarse = _hair_composite()
    alpha, colours = refine_edge(coarse, image, 8.0, decontaminate=True)
    soft = (truth > 0.2) & (truth < 0.8)
    green_before = image[soft][:, 1].astype(float).mean()
    green_after = colours[soft][:, 1].astype(float).mean()
    assert green_before > 90 and green_after < RED[1] + 25  # fringe was green, now red-ish
    red_after = colours[soft][:, 0].astype(float).mean()
    assert abs(red_after - RED[0]) < 25


class _Frames:
    def __init__(self, frame: np.ndarray) -> None:
        self.frame = frame

    def __len__(self) -> int:
        return 1

    def read(self, frame_index: int) -> np.ndarray:
        return self.frame


def test_compositor_cut_out_uses_refined_alpha_and_clean_colours():
    image, truth, coarse = _hair_composite()
    refinement = MaskRefinement(edge_band_px=8.0, decontaminate=True)
    stacks = RenderStacks(objects=(ObjectStack(1, refinement=refinement),),
                          background=(EffectInstance(make_effect("background-remove")),))
    out = render_frame(image, {1: coarse}, stacks, EffectContext())
    assert out.shape == (H, W, 4)
    alpha, colours = refine_edge(coarse, image, 8.0, decontaminate=True)
    np.testing.assert_allclose(out[..., 3] / 255.0, alpha, atol=1.5 / 255)
    soft = (alpha > 0.2) & (alpha < 0.8)
    assert out[..., 1][soft].astype(float).mean() < RED[1] + 25  # no green fringe
    # the matte/mask exports (no frame passed) read the clip's frame from the context
    ctx = EffectContext(frames=_Frames(image))
    vis = visible_masks({1: coarse}, stacks, ctx, H, W)
    np.testing.assert_allclose(vis[1], alpha, atol=1e-6)
