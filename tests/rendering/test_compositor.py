"""Compositor: z-order of overlapping objects, background union, RGBA output, preview."""

from __future__ import annotations

import numpy as np

from rendering.compositor import render_frame, render_preview
from rendering.effects import EffectContext, make_effect
from rendering.effects.refine import MaskRefinement
from rendering.effects.stack import EffectInstance, ObjectStack, RenderStacks

H, W = 72, 128


def _fill(colour: str) -> tuple[EffectInstance, ...]:
    return (EffectInstance(make_effect("object-fill", {"colour": colour})),)


def _masks():
    a = np.zeros((H, W), np.float32)
    a[10:50, 10:70] = 1.0
    b = np.zeros((H, W), np.float32)
    b[30:60, 50:110] = 1.0
    return a, b


def test_overlapping_objects_follow_z_order():
    frame = np.full((H, W, 3), 100, np.uint8)
    a, b = _masks()
    red, blue = _fill("#ff0000"), _fill("#0000ff")
    overlap = (a > 0) & (b > 0)
    top_b = RenderStacks((ObjectStack(1, red), ObjectStack(2, blue)))
    out = render_frame(frame, {1: a, 2: b}, top_b, EffectContext())
    assert (out[overlap] == (0, 0, 255)).all()
    assert (out[(a > 0) & ~overlap] == (255, 0, 0)).all()
    top_a = RenderStacks((ObjectStack(2, blue), ObjectStack(1, red)))
    out = render_frame(frame, {1: a, 2: b}, top_a, EffectContext())
    assert (out[overlap] == (255, 0, 0)).all()
    assert (out[(b > 0) & ~overlap] == (0, 0, 255)).all()
    assert (out[(a == 0) & (b == 0)] == 100).all()


def test_background_uses_union_and_remove_gives_rgba():
    frame = np.full((H, W, 3), 100, np.uint8)
    a, b = _masks()
    stacks = RenderStacks((ObjectStack(1), ObjectStack(2)),
                          (EffectInstance(make_effect("background-remove")),))
    out = render_frame(frame, {1: a, 2: b}, stacks, EffectContext())
    assert out.shape == (H, W, 4)
    union = (a > 0) | (b > 0)
    assert (out[..., 3][union] == 255).all() and (out[..., 3][~union] == 0).all()


def test_missing_mask_hidden_object_and_refinement():
    frame = np.full((H, W, 3), 100, np.uint8)
    a, b = _masks()
    stacks = RenderStacks((ObjectStack(1, _fill("#000000"), visible=False),
                           ObjectStack(2, _fill("#000000"))))
    out = render_frame(frame, {1: a, 2: None}, stacks, EffectContext())
    assert (out == 100).all()
    grown = RenderStacks((ObjectStack(1, _fill("#000000"), MaskRefinement(grow_px=2)),))
    out = render_frame(frame, {1: a[::2, ::2]}, grown, EffectContext())  # low-res mask
    assert out[12, 30, 0] == 0 and out[8, 30, 0] < 50 and out[4, 30, 0] == 100


def test_preview_matches_full_render_downscaled():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (H * 4, W * 4, 3), dtype=np.uint8)
    a, _ = _masks()
    big = np.kron(a, np.ones((4, 4), np.float32))
    stacks = RenderStacks((ObjectStack(1),),
                          (EffectInstance(make_effect("background-blur", {"radius_px": 40})),))
    prev = render_preview(frame, {1: big}, stacks, EffectContext(), max_width_px=W)
    assert prev.shape == (H, W, 3)
    import cv2

    full = render_frame(frame, {1: big}, stacks, EffectContext())
    small = cv2.resize(full, (W, H), interpolation=cv2.INTER_AREA)
    assert np.abs(prev.astype(int) - small.astype(int)).mean() < 4


def test_sticker_outline_on_a_removed_background_is_opaque():
    """background-remove + object-outline: the outline is part of the exported alpha."""
    frame = np.full((H, W, 3), 100, np.uint8)
    a, _ = _masks()
    outline = (EffectInstance(make_effect("object-outline", {"width_px": 3.0,
                                                             "colour": "#ffffff"})),)
    stacks = RenderStacks((ObjectStack(1, outline),),
                          (EffectInstance(make_effect("background-remove")),))
    out = render_frame(frame, {1: a}, stacks, EffectContext())
    assert out.shape == (H, W, 4)
    assert (out[a > 0] == (100, 100, 100, 255)).all()  # the object, opaque
    assert (out[8, 10:70] == (255, 255, 255, 255)).all()  # 2 px above it: the white band
    assert (out[0:5, :, 3] == 0).all() and (out[:, 75:, 3] == 0).all()  # beyond: transparent
