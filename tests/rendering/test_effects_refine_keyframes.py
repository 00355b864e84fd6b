"""Mask refinement (each step's effect on pixels) and keyframe interpolation."""

from __future__ import annotations

import numpy as np

from rendering.effects import EffectContext, make_effect
from rendering.effects.refine import MaskRefinement
from rendering.effects.stack import EffectInstance
from rendering.keyframes import Keyframe, KeyframeTrack


def _square(size=64, lo=20, hi=44) -> np.ndarray:
    m = np.zeros((size, size), np.float32)
    m[lo:hi, lo:hi] = 1.0
    return m


def test_identity_keeps_soft_values():
    m = np.linspace(0, 1, 64 * 64, dtype=np.float32).reshape(64, 64)
    assert np.array_equal(MaskRefinement().apply(m, EffectContext()), m)


def test_grow_shrink_threshold_invert():
    m = _square()
    grown = MaskRefinement(grow_px=3).apply(m, EffectContext())
    assert grown.sum() > m.sum() and grown[17, 32] == 1.0 and grown[15, 32] == 0.0
    shrunk = MaskRefinement(grow_px=-3).apply(m, EffectContext())
    assert shrunk[22, 32] == 0.0 and shrunk[23, 32] == 1.0
    soft = m * 0.6
    assert MaskRefinement(threshold=0.5).apply(soft, EffectContext()).max() == 1.0
    assert MaskRefinement(threshold=0.7).apply(soft, EffectContext()).max() == 0.0
    inv = MaskRefinement(invert=True).apply(m, EffectContext())
    assert np.array_equal(inv, 1.0 - m)


def test_feather_softens_edge_only():
    m = _square()
    f = MaskRefinement(feather_px=4).apply(m, EffectContext())
    assert 0.2 < f[20, 32] < 0.8 and f[32, 32] > 0.99 and f[2, 2] < 0.01


def test_fill_holes_and_remove_specks():
    m = _square()
    m[30:33, 30:33] = 0.0  # 9 px hole
    m[2:4, 2:4] = 1.0      # 4 px speck
    out = MaskRefinement(fill_holes_area_px=20, remove_specks_area_px=10).apply(
        m, EffectContext())
    assert out[31, 31] == 1.0 and out[3, 3] == 0.0 and out[25, 25] == 1.0
    keep = MaskRefinement(fill_holes_area_px=5).apply(m, EffectContext())
    assert keep[31, 31] == 0.0


def test_temporal_smoothing_reads_neighbours_through_ctx():
    frames = {i: np.full((8, 8), float(i % 2), np.float32) for i in range(5)}

    class Masks:
        def read(self, oid, i):
            return frames.get(i)

    ctx = EffectContext(frame_index=2, object_id=1, masks=Masks())
    out = MaskRefinement(temporal_frames=1).apply(frames[2], ctx)
    np.testing.assert_allclose(out, 2 / 3, atol=1e-6)  # (1 + 0 + 1) / 3


def test_keyframes_linear_and_hold():
    track = KeyframeTrack((Keyframe(10, 0.0, "linear"), Keyframe(20, 10.0, "hold"),
                           Keyframe(30, 2.0)))
    assert track.value_at(0) == 0.0
    assert track.value_at(15) == 5.0
    assert track.value_at(25) == 10.0
    assert track.value_at(30) == 2.0 and track.value_at(99) == 2.0
    colours = KeyframeTrack((Keyframe(0, "#000000"), Keyframe(10, "#ff8000")))
    assert colours.value_at(5) == "#804000"
    ints = KeyframeTrack((Keyframe(0, 2), Keyframe(4, 10)))
    assert ints.value_at(1) == 4


def test_keyframed_effect_changes_pixels_over_time():
    frame = np.full((16, 16, 3), 200, np.uint8)
    mask = np.ones((16, 16), np.float32)
    inst = EffectInstance(make_effect("object-fill", {"colour": "#000000"}),
                          keyframes=(("opacity", KeyframeTrack((Keyframe(0, 0.0),
                                                                Keyframe(10, 1.0)))),))
    values = [int(inst.at(i).apply(frame, mask, EffectContext(i))[0, 0, 0]) for i in (0, 5, 10)]
    assert values == [200, 100, 0]
