"""Small tracker units: processing order, affected ranges, memory selection, caches, budget."""

from __future__ import annotations

import pytest
import torch

from segmentation.tracker.budget import estimate_bytes
from segmentation.tracker.caches import LruCache
from segmentation.tracker.conditioning import closest_cond_frames, gather_refs, sine_1d
from segmentation.tracker.memory_bank import FrameOutput
from segmentation.tracker.objects import TrackedObject
from segmentation.tracker.schedule import affected_ranges, processing_order
from segmentation.tracker.settings import ModelSettings, TrackerOptions

SETTINGS = ModelSettings(
    image_size=1024, hidden_dim=256, mem_dim=64, num_maskmem=7, max_obj_ptrs_in_encoder=16,
    max_cond_frames_in_attn=-1, memory_temporal_stride=1, sigmoid_scale=20.0,
    sigmoid_bias=-10.0, multimask_output_in_sam=True, multimask_min_pt_num=0,
    multimask_max_pt_num=1, multimask_output_for_tracking=True, use_obj_ptrs_in_encoder=True,
    add_tpos_enc_to_obj_ptrs=True, proj_tpos_enc_in_obj_ptrs=True,
    use_signed_tpos_enc_to_obj_ptrs=True, only_obj_ptrs_in_the_past=True,
    directly_add_no_mem_embed=True,
)


def _out(tag: float) -> FrameOutput:
    return FrameOutput(low_res=torch.full((1, 2, 2), tag), obj_ptr=torch.zeros(4),
                       object_score=1.0, memory=torch.zeros(1, 1, 1))


def test_processing_order_official():
    assert processing_order(0, False, None, 8) == list(range(8))
    assert processing_order(7, True, None, 8) == list(range(7, -1, -1))
    assert processing_order(0, True, None, 8) == []  # reverse from frame 0: nothing
    assert processing_order(3, False, 2, 8) == [3, 4, 5]
    assert processing_order(3, True, 2, 8) == [3, 2, 1]


def test_memory_selection_forward_and_reverse():
    obj = TrackedObject(1)
    obj.memory.cond[0] = _out(0)
    for f in range(1, 20):
        obj.memory.non_cond[f] = _out(f)
    refs = gather_refs(obj.memory, 10, False, 30, SETTINGS)
    assert [t for t, _ in refs.spatial] == [0, 1, 2, 3, 4, 5, 6]
    assert [float(o.low_res[0, 0, 0]) for _, o in refs.spatial] == [0, 4, 5, 6, 7, 8, 9]
    # pointers: the conditioning frame (distance 10) then frames 9..1 (frame 0 is cond)
    assert [d for d, _ in refs.pointers] == [10] + list(range(1, 10))
    back = gather_refs(obj.memory, 10, True, 30, SETTINGS)
    assert [float(o.low_res[0, 0, 0]) for _, o in back.spatial] == [0, 16, 15, 14, 13, 12, 11]
    # cond frame 0 lies behind a reverse pass at 10: no pointer from it
    assert [d for d, _ in back.pointers] == list(range(1, 10))
    last = gather_refs(obj.memory, 19, True, 20, SETTINGS)
    assert last.pointers == ()  # the official CPU crash case: no pointer at all


def test_closest_cond_frames_limit():
    cond = {t: _out(t) for t in (0, 5, 9, 20)}
    kept, rest = closest_cond_frames(10, cond, 2)
    assert sorted(kept) == [9, 20] and sorted(rest) == [0, 5]
    kept, rest = closest_cond_frames(10, cond, -1)
    assert sorted(kept) == [0, 5, 9, 20] and rest == {}


def test_affected_ranges_follow_the_tracking_direction():
    obj = TrackedObject(1)
    for c in (0, 10, 20):
        obj.memory.cond[c] = _out(c)
    obj.tracked = {f: False for f in range(30)}  # one forward pass from frame 0
    forward, backward = affected_ranges(obj, {10}, 30)
    assert forward == list(range(10, 20)) and backward == []  # 1..9 never read frame 10
    forward, backward = affected_ranges(obj, {20}, 30)
    assert forward == list(range(20, 30)) and backward == []
    obj.tracked.update({f: True for f in range(1, 10)})  # 1..9 tracked back from 10
    forward, backward = affected_ranges(obj, {10}, 30)
    assert forward == list(range(10, 20)) and backward == list(range(9, 0, -1))
    fresh = TrackedObject(2)  # a new object: both ways up to its conditioning frames
    fresh.memory.cond[6] = _out(6)
    forward, backward = affected_ranges(fresh, {6}, 10)
    assert forward == list(range(6, 10)) and backward == list(range(5, -1, -1))


def test_sine_1d_matches_formula():
    pe = sine_1d(torch.tensor([0.5]), 8)
    dim_t = 10000 ** (2 * (torch.arange(4) // 2) / 4)
    assert torch.allclose(pe[0, :4], torch.sin(0.5 / dim_t))
    assert torch.allclose(pe[0, 4:], torch.cos(0.5 / dim_t))


def test_lru_cache_respects_byte_budget():
    cache = LruCache[bytes](10, len)
    cache.put("a", b"12345")
    cache.put("b", b"1234")
    assert cache.get("a") == b"12345"  # a becomes most recent
    cache.put("c", b"123")
    assert "b" not in cache and "a" in cache and cache.nbytes <= 10
    cache.put("big", b"x" * 11)
    assert "big" not in cache


def test_estimate_window_is_flat_full_grows():
    window = TrackerOptions(memory="window", feature_cache_mb=64, result_cache_mb=16)
    full = TrackerOptions(memory="full", feature_cache_mb=64, result_cache_mb=16)
    a = estimate_bytes(SETTINGS, window, 1000, 2, 1, 4)
    b = estimate_bytes(SETTINGS, window, 10000, 2, 1, 4)
    assert a == b
    assert estimate_bytes(SETTINGS, full, 10000, 2, 1, 4) > 5 * b


def test_fill_holes_only_small_background_components():
    from segmentation.tracker.postprocess import fill_holes

    low = torch.full((1, 1, 12, 12), 5.0)
    low[0, 0, 0:3, :] = -4.0  # a 36-pixel background band: kept
    low[0, 0, 6, 6] = -2.0  # a 1-pixel hole: filled with 0.1
    low[0, 0, 9:11, 2:4] = -3.0  # a 4-pixel hole: filled when max_area >= 4
    out = fill_holes(low, 3)
    assert float(out[0, 0, 6, 6]) == pytest.approx(0.1)
    assert (out[0, 0, 9:11, 2:4] == -3.0).all() and (out[0, 0, 0:3] == -4.0).all()
    assert torch.allclose(fill_holes(low, 4)[0, 0, 9:11, 2:4], torch.tensor(0.1))


def test_non_overlapping_clamps_losers():
    from segmentation.tracker.postprocess import non_overlapping

    logits = torch.tensor([[[[3.0, -1.0]]], [[[2.0, 4.0]]]])
    out = non_overlapping(logits)
    assert out[0, 0, 0].tolist() == [3.0, -10.0] and out[1, 0, 0].tolist() == [-10.0, 4.0]
