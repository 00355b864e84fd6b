"""Video tracker behaviour beyond the official predictor, on a tiny deterministic stand-in model.

The stand-in is a :class:`SAM2Model` with the real memory attention / memory encoder (random
weights, micro widths) and simple hand-made image and decoder paths that return the model's
own output types, so every tracker feature is exercised without the reference data: bounded
memory, batching, mid-clip objects, mask prompts, partial re-tracking, threads, cancel,
out-of-memory and the RAM warning. (The micro SAM 2 of ``tests/micro_sam2.py`` is 9× slower
per frame, 50 ms against 5.6, and its random decoder finds a clicked object absent.)
"""

from __future__ import annotations

import inspect
import logging
import threading

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from segmentation.sam2.config import SAM2Config
from segmentation.sam2.memory_attention import build_memory_attention
from segmentation.sam2.memory_encoder import build_memory_encoder, sine_position_encoding
from segmentation.sam2.model import ImageFeatures, SAM2Model, SamHeadsOutput
from segmentation.tracker import PromptError, TrackerOutOfMemoryError, VideoTracker, budget
from segmentation.types import ABSENT_LOGIT, FrameResult, TrackingEngine

S = 64  # model input size: top grid 4×4, low-res 16×16


def _hp() -> dict:
    rope = {"rope_theta": 10000.0, "feat_sizes": [4, 4], "embedding_dim": 32, "num_heads": 1,
            "downsample_rate": 1, "dropout": 0.1}
    return {
        "image_size": S, "num_maskmem": 7, "max_obj_ptrs_in_encoder": 16,
        "max_cond_frames_in_attn": -1, "memory_temporal_stride_for_eval": 1,
        "sigmoid_scale_for_mem_enc": 20.0, "sigmoid_bias_for_mem_enc": -10.0,
        "multimask_output_in_sam": True, "multimask_min_pt_num": 0, "multimask_max_pt_num": 1,
        "multimask_output_for_tracking": True, "use_obj_ptrs_in_encoder": True,
        "add_tpos_enc_to_obj_ptrs": True, "proj_tpos_enc_in_obj_ptrs": True,
        "use_signed_tpos_enc_to_obj_ptrs": True, "only_obj_ptrs_in_the_past_for_eval": True,
        "directly_add_no_mem_embed": True, "pred_obj_scores": True, "fixed_no_obj_ptr": True,
        "soft_no_obj_ptr": False,
        "memory_attention": {
            "d_model": 32, "pos_enc_at_input": True, "num_layers": 2, "batch_first": True,
            "layer": {"activation": "relu", "d_model": 32, "dim_feedforward": 64,
                      "dropout": 0.1, "pos_enc_at_attn": False,
                      "pos_enc_at_cross_attn_keys": True, "pos_enc_at_cross_attn_queries": False,
                      "self_attention": {**rope, "rope_k_repeat": False, "kv_in_dim": None},
                      "cross_attention": {**rope, "rope_k_repeat": True, "kv_in_dim": 8}},
        },
        "memory_encoder": {
            "out_dim": 8, "in_dim": 32,
            "mask_downsampler": {"embed_dim": 32, "kernel_size": 3, "stride": 2, "padding": 1,
                                 "total_stride": 16, "activation": "gelu"},
            "fuser": {"layer": {"dim": 32, "kernel_size": 7, "padding": 3, "drop_path": 0.0,
                                "layer_scale_init_value": 1e-6, "use_dwconv": True},
                      "num_layers": 2, "dim": None, "input_projection": False},
            "position_encoding": {"num_pos_feats": 8, "temperature": 10000, "normalize": True,
                                  "scale": None},
        },
    }


class StandInModel(SAM2Model):
    """Real memory modules; image path = one strided conv; decoder = linear read-out + clicks."""

    def __init__(self, seed: int = 0) -> None:
        nn.Module.__init__(self)  # not SAM2Model's: no Hiera encoder, no SAM decoder to build
        torch.manual_seed(seed)
        hp = _hp()
        self.config = SAM2Config("stand-in", hp)
        self.memory_attention = build_memory_attention(hp["memory_attention"])
        self.memory_encoder = build_memory_encoder(hp["memory_encoder"])
        self.maskmem_tpos_enc = nn.Parameter(0.2 * torch.randn(7, 1, 1, 8))
        self.no_mem_embed = nn.Parameter(0.2 * torch.randn(1, 1, 32))
        self.no_obj_ptr = nn.Parameter(0.2 * torch.randn(1, 32))
        self.no_obj_embed_spatial = nn.Parameter(0.2 * torch.randn(1, 8))
        self.obj_ptr_tpos_proj = nn.Linear(32, 8)
        self.mask_downsample = nn.Conv2d(1, 1, 4, 4)
        self.stem = nn.Conv2d(3, 32, 16, 16)
        self.readout = nn.Conv2d(32, 1, 1)
        self.encode_calls = 0
        self.heads_batches: list[int] = []

    def encode_image(self, images):
        self.encode_calls += 1
        top = self.stem(images)
        pos = sine_position_encoding(1, 4, 4, 32)
        high = [torch.zeros(1, 4, 16, 16), torch.zeros(1, 8, 8, 8)]
        return ImageFeatures(fpn=[top], fpn_pos=[pos], high_res_feats=high,
                             vision_features=top, vision_pos_enc=[pos], trunk=[])

    def forward_sam_heads(self, embed, high=None, coords=None, labels=None, mask_inputs=None,
                          multimask=False):
        self.heads_batches.append(embed.shape[0])
        low = F.interpolate(self.readout(embed), size=(16, 16), mode="bilinear")
        if coords is not None:
            grid = torch.stack(torch.meshgrid(torch.arange(16.0), torch.arange(16.0),
                                              indexing="xy"), -1) * 4 + 2  # model px
            for p in range(coords.shape[1]):
                sign = torch.where(labels[:, p] == 1, 1.0, -1.0).reshape(-1, 1, 1)
                d2 = ((grid[None] - coords[:, p, None, None, :]) ** 2).sum(-1)
                low = low + 3 * sign[:, None] * torch.exp(-d2 / 200.0)[:, None]
        if mask_inputs is not None:
            low = low + 0.1 * F.interpolate(mask_inputs, size=(16, 16), mode="bilinear")
        score = low.mean(dim=(1, 2, 3))[:, None] + 0.3
        low = torch.where(score[:, :, None, None] > 0, low, torch.full_like(low, -1024.0))
        ptr = embed.mean(dim=(2, 3))
        present = (score > 0).float()
        ptr = present * ptr + (1 - present) * self.no_obj_ptr
        high_res = F.interpolate(low, size=(S, S), mode="bilinear", align_corners=False)
        ious = low.new_ones(low.shape[0], 1)
        return SamHeadsOutput(low, high_res, ious, low, high_res, ptr, score)


def clip(n: int, seed: int = 5) -> np.ndarray:
    """n frames (48×80 RGB uint8): a bright square sliding over a dark textured background."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 60, (48, 80, 3), dtype=np.uint8)
    frames = np.repeat(base[None], n, axis=0)
    for i in range(n):
        x = 5 + (i * 2) % 50
        frames[i, 15:35, x:x + 20] = 220
    return frames


@pytest.fixture(scope="module")
def model():
    return StandInModel().eval()


def run(tracker, **kw) -> list[FrameResult]:
    return list(tracker.propagate(**kw))


def test_protocol_and_shapes(model):
    tracker: TrackingEngine = VideoTracker(model, clip(6))
    for name in ("add_prompt", "propagate", "cancel", "remove_object", "reset"):
        wanted = inspect.signature(getattr(TrackingEngine, name)).parameters
        have = inspect.signature(getattr(tracker, name)).parameters
        assert [p for p in wanted if p != "self"] == list(have)[: len(wanted) - 1]
    res = tracker.add_prompt(0, 7, points=[[20, 25]], labels=[1])
    assert res.object_ids == (7,) and res.logits.shape == (1, 48, 80)
    assert res.low_res_logits.shape == (1, 16, 16) and res.logits.dtype == np.float32
    out = run(tracker)
    assert [r.frame_index for r in out] == list(range(6))
    assert all(r.object_ids == (7,) for r in out)


def test_state_is_bounded_independent_of_clip_length(model):
    counts, sizes = [], []
    for n in (50, 120):
        tracker = VideoTracker(model, clip(n), feature_cache_mb=1)
        tracker.add_prompt(0, 1, points=[[20, 25]], labels=[1])
        tracker.add_prompt(0, 2, box=[40, 10, 70, 40])
        seen = sum(1 for _ in tracker.propagate())
        assert seen == n
        counts.append(tracker.stored_frame_count())
        sizes.append(tracker.state_nbytes())
    # conditioning frame + look-back window (15 frames) per object, whatever the length
    assert counts[0] == counts[1] <= 2 * (1 + 15 + 15 + 1)
    assert sizes[0] == sizes[1]
    full = VideoTracker(model, clip(30), memory="full")
    full.add_prompt(0, 1, points=[[20, 25]], labels=[1])
    run(full)
    assert full.stored_frame_count() == 30


def test_window_memory_gives_official_results_for_passes_from_cond_frames(model):
    results = []
    for memory in ("window", "full"):
        tracker = VideoTracker(model, clip(40), memory=memory)
        tracker.add_prompt(20, 1, points=[[30, 25]], labels=[1])
        run(tracker)  # forward 20..39
        results.append(run(tracker, start=20, reverse=True))  # reads frames 21..35
    for a, b in zip(*results):
        assert np.array_equal(a.logits, b.logits)


def test_objects_are_batched_and_features_computed_once(model):
    frames = clip(8)
    model.encode_calls = 0
    model.heads_batches.clear()
    tracker = VideoTracker(model, frames)
    for oid, x in ((1, 15), (2, 40), (3, 60)):
        tracker.add_prompt(0, oid, points=[[x, 25]], labels=[1])
    batched = run(tracker)
    assert model.encode_calls == 8  # once per frame, for all objects
    assert model.heads_batches.count(3) == 7  # frames 1..7 in one decoder batch
    # each object alone gives the same result as in the batch
    for index, oid in enumerate((1, 2, 3)):
        alone = VideoTracker(model, frames)
        alone.add_prompt(0, oid, points=[[(15, 40, 60)[index], 25]], labels=[1])
        for a, b in zip(batched, run(alone)):
            assert np.allclose(a.logits[index], b.logits[0], atol=1e-5)


def test_adding_object_mid_clip_keeps_other_objects(model):
    frames = clip(10)
    tracker = VideoTracker(model, frames)
    tracker.add_prompt(0, 1, points=[[20, 25]], labels=[1])
    first = run(tracker)
    res = tracker.add_prompt(6, 2, points=[[40, 25]], labels=[1])
    assert res.object_ids == (1, 2)
    assert np.array_equal(res.logits[0], first[6].logits[0])  # obj 1 unchanged on frame 6
    again = run(tracker, affected_only=True)
    assert {r.object_ids for r in again} == {(2,)}
    assert sorted(r.frame_index for r in again) == list(range(10))
    assert all(r.frame_index == 6 or r.object_scores[0] != ABSENT_LOGIT for r in again)
    # object 1 still has its results, object 2 now has them too
    for f in range(10):
        cached = tracker.get_result(f)
        assert cached.object_ids == (1, 2)
        assert np.array_equal(cached.logits[0], first[f].logits[0])


def test_mask_prompt_official_semantics(model):
    tracker = VideoTracker(model, clip(4))
    mask = np.zeros((48, 80), bool)
    mask[10:30, 20:50] = True
    res = tracker.add_prompt(1, 3, mask=mask)
    # mask·20 − 10 at S×S, downsampled ×4 with antialiasing: ±10 inside / outside
    low = res.low_res_logits[0]
    assert low.max() == pytest.approx(10.0) and low.min() == pytest.approx(-10.0)
    assert res.object_scores[0] == pytest.approx(10.0)
    inside = res.logits[0] > 0
    assert (inside & mask).sum() / mask.sum() > 0.9 and (inside & ~mask).sum() < 0.1 * mask.sum()
    empty = tracker.add_prompt(2, 4, mask=np.zeros((48, 80), np.float32))
    assert empty.object_scores[1] == pytest.approx(-10.0)  # nothing set: absent
    with pytest.raises(PromptError):
        tracker.add_prompt(1, 3, mask=mask, points=[[1, 1]], labels=[1])
    out = run(tracker, start=1)
    assert out[0].frame_index == 1 and np.array_equal(out[0].low_res_logits[0], low)


def test_clicks_refine_previous_logits_and_box_rules(model):
    tracker = VideoTracker(model, clip(4))
    a = tracker.add_prompt(0, 1, points=[[20, 25]], labels=[1])
    b = tracker.add_prompt(0, 1, points=[[60, 25]], labels=[0], clear=False)
    assert not np.array_equal(a.low_res_logits, b.low_res_logits)
    with pytest.raises(PromptError):
        tracker.add_prompt(0, 1, box=[1, 1, 5, 5], clear=False)
    with pytest.raises(PromptError):
        tracker.add_prompt(0, 1)
    with pytest.raises(PromptError):
        tracker.add_prompt(9, 1, points=[[1, 1]], labels=[1])
    assert getattr(PromptError, "user_error", False)


def test_affected_only_stops_at_next_conditioning_frame(model):
    frames = clip(40)
    tracker = VideoTracker(model, frames)
    tracker.add_prompt(0, 1, points=[[10, 25]], labels=[1])
    tracker.add_prompt(35, 1, points=[[40, 25]], labels=[1])
    first = {r.frame_index: r for r in run(tracker)}
    # frame 24 is past every look-back window: the pass dropped the memories behind it
    assert tracker.stored_output(20, 1) is not None  # ... but the result cache has them
    tracker.add_prompt(24, 1, points=[[25, 25]], labels=[1])
    redo = run(tracker, affected_only=True)
    # forward from the correction to the next conditioning frame; frames 1..23 were
    # tracked towards it (forward from 0) and never read it
    assert [r.frame_index for r in redo] == list(range(24, 35))
    kept = {f: tracker.get_result(f) for f in range(40)}
    full = {r.frame_index: r for r in run(tracker)}
    assert np.array_equal(full[35].logits, first[35].logits)  # conditioning: re-emitted
    for r in redo:  # the partial re-track agrees with a full one on the frames it touches
        assert np.allclose(r.logits, full[r.frame_index].logits, atol=1e-4), r.frame_index
    for f in range(1, 24):  # the others kept the first pass's results
        assert np.array_equal(kept[f].logits, first[f].logits)


def test_cancelled_affected_pass_is_redone_by_the_next(model):
    frames = clip(30)
    tracker = VideoTracker(model, frames)
    tracker.add_prompt(0, 1, points=[[10, 25]], labels=[1])
    tracker.add_prompt(25, 1, points=[[40, 25]], labels=[1])
    run(tracker)
    tracker.add_prompt(12, 1, points=[[25, 25]], labels=[1])
    gen = tracker.propagate(affected_only=True)
    assert [next(gen).frame_index for _ in range(3)] == [12, 13, 14]
    gen.close()  # the user pressed Esc: 15..24 still hold the old results
    redo = run(tracker, affected_only=True)
    assert [r.frame_index for r in redo] == list(range(12, 25))
    assert run(tracker, affected_only=True) == []  # finished: nothing left to redo
    full = {r.frame_index: r for r in run(tracker)}
    for r in redo:
        assert np.allclose(r.logits, full[r.frame_index].logits, atol=1e-4), r.frame_index


def test_affected_only_backward_after_a_reverse_pass(model):
    frames = clip(20)
    tracker = VideoTracker(model, frames)
    tracker.add_prompt(15, 1, points=[[40, 25]], labels=[1])
    run(tracker, start=15)
    run(tracker, start=15, reverse=True)
    tracker.add_prompt(6, 1, points=[[25, 25]], labels=[1])
    redo = run(tracker, affected_only=True)
    # 7..14 were tracked from 15 towards 6; 5..0 were tracked through 6
    assert [r.frame_index for r in redo] == [6, 5, 4, 3, 2, 1, 0]
    full = {r.frame_index: r for r in run(tracker, start=15, reverse=True)}
    for r in redo[1:]:
        assert np.allclose(r.logits, full[r.frame_index].logits, atol=1e-4), r.frame_index


def test_cancel_and_close_keep_state_consistent(model):
    tracker = VideoTracker(model, clip(12))
    tracker.add_prompt(0, 1, points=[[20, 25]], labels=[1])
    seen = []
    for r in tracker.propagate():
        seen.append(r.frame_index)
        if r.frame_index == 4:
            tracker.cancel()
    assert seen == [0, 1, 2, 3, 4]
    gen = tracker.propagate(start=5)
    assert next(gen).frame_index == 5
    gen.close()
    assert [r.frame_index for r in tracker.propagate(start=6)] == list(range(6, 12))


def test_thread_safety_worker_and_reader(model):
    tracker = VideoTracker(model, clip(15))
    tracker.add_prompt(0, 1, points=[[20, 25]], labels=[1])
    sink: list[FrameResult] = []
    worker = threading.Thread(target=lambda: sink.extend(tracker.propagate()))
    worker.start()
    reads = 0
    while worker.is_alive():
        r = tracker.get_result(0)
        reads += r is not None
        _ = tracker.object_ids
    worker.join()
    assert [r.frame_index for r in sink] == list(range(15))
    alone = VideoTracker(model, clip(15))
    alone.add_prompt(0, 1, points=[[20, 25]], labels=[1])
    for a, b in zip(sink, run(alone)):
        assert np.array_equal(a.logits, b.logits)


def test_out_of_memory_names_the_frame_and_keeps_results(model, monkeypatch):
    tracker = VideoTracker(model, clip(8), on_result=lambda r: kept.append(r.frame_index))
    kept: list[int] = []
    tracker.add_prompt(0, 1, points=[[20, 25]], labels=[1])
    original = tracker._track

    def failing(features, objs, frame, reverse):
        if frame == 3:
            raise torch.OutOfMemoryError("CUDA out of memory")
        return original(features, objs, frame, reverse)

    monkeypatch.setattr(tracker, "_track", failing)
    with pytest.raises(TrackerOutOfMemoryError, match="frame 3"):
        run(tracker)
    assert kept == [0, 1, 2]
    assert getattr(TrackerOutOfMemoryError, "user_error", False)
    monkeypatch.setattr(tracker, "_track", original)
    assert [r.frame_index for r in tracker.propagate(start=3)] == list(range(3, 8))


def test_ram_warning_before_a_long_run(model, monkeypatch, caplog):
    tracker = VideoTracker(model, clip(5))
    tracker.add_prompt(0, 1, points=[[20, 25]], labels=[1])
    monkeypatch.setattr(budget, "available_ram_bytes", lambda: 1000)
    with caplog.at_level(logging.WARNING):
        next(tracker.propagate())
    assert "RAM" in caplog.text


def test_non_overlap_keeps_one_object_per_pixel(model):
    tracker = VideoTracker(model, clip(3), non_overlap=True)
    tracker.add_prompt(0, 1, points=[[30, 25]], labels=[1])
    res = tracker.add_prompt(0, 2, points=[[32, 25]], labels=[1])
    both = (res.logits[0] > 0) & (res.logits[1] > 0)
    assert not both.any()


def test_tracker_errors_are_segmentation_errors():
    """One hierarchy: the tracker's prompt error is the package's PromptError, a user error
    under SegmentationError (and still a ValueError for callers that catch that)."""
    from segmentation import errors
    from segmentation.tracker import TrackerError

    assert PromptError is errors.PromptError
    assert issubclass(PromptError, errors.SegmentationError) and issubclass(PromptError,
                                                                            ValueError)
    assert PromptError.user_error is True
    assert issubclass(TrackerError, errors.SegmentationError)
    assert issubclass(TrackerOutOfMemoryError, TrackerError)
