"""Offline engine on synthetic clips with known masks: accuracy, reverse, −1024 when the object
leaves, cancel, re-anchoring, prompts by click/box/mask, object management."""

from __future__ import annotations

import numpy as np
import pytest

from segmentation import errors
from segmentation.offline import OfflinePromptError, OfflineTracker
from segmentation.types import ABSENT_LOGIT

H, W = 120, 160
SIDE = 30


def background(seed: int = 1) -> np.ndarray:
    """Smooth random texture in greens/blues (H×W×3 uint8)."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (H // 8 + 1, W // 8 + 1, 3)).astype(np.float32)
    big = np.kron(coarse, np.ones((8, 8, 1)))[:H, :W]
    big[..., 0] *= 0.3  # little red: the object is red
    return big.astype(np.uint8)


def moving_square(n: int, dx: int = 3, dy: int = 1, x0: int = 20, y0: int = 30):
    """Frames (n×H×W×3 uint8) of a textured red square over a static background, and the
    exact masks (n×H×W bool)."""
    rng = np.random.default_rng(2)
    cells = np.zeros((SIDE // 5, SIDE // 5, 3), np.uint8)  # 5×5-pixel texture cells
    cells[..., 0] = rng.integers(190, 255, cells.shape[:2])
    cells[..., 1] = rng.integers(0, 60, cells.shape[:2])
    cells[..., 2] = rng.integers(20, 80, cells.shape[:2])
    patch = np.kron(cells, np.ones((5, 5, 1), np.uint8))
    bg = background()
    frames, masks = [], []
    for t in range(n):
        frame, mask = bg.copy(), np.zeros((H, W), bool)
        x, y = x0 + dx * t, y0 + dy * t
        xs, ys = slice(max(0, x), min(W, x + SIDE)), slice(max(0, y), min(H, y + SIDE))
        if xs.start < xs.stop and ys.start < ys.stop:
            frame[ys, xs] = patch[ys.start - y : ys.stop - y, xs.start - x : xs.stop - x]
            mask[ys, xs] = True
        frames.append(frame)
        masks.append(mask)
    return np.stack(frames), np.stack(masks)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.count_nonzero(a | b)
    return 1.0 if union == 0 else np.count_nonzero(a & b) / union


def test_mask_prompt_tracks_a_moving_square_forward():
    frames, masks = moving_square(16)
    tracker = OfflineTracker(frames)
    first = tracker.add_prompt(0, 7, mask=masks[0])
    assert first.object_ids == (7,) and np.array_equal(first.mask(7), masks[0])
    results = list(tracker.propagate())
    assert [r.frame_index for r in results] == list(range(16))
    ious = [iou(r.mask(7), masks[r.frame_index]) for r in results]
    assert min(ious) > 0.85, ious
    for r in results:
        assert r.logits.shape == (1, H, W) and r.logits.dtype == np.float32
        assert r.low_res_logits.shape[0] == 1 and r.object_scores[0] > 0
        soft = r.logits[0][(r.logits[0] > -15) & (r.logits[0] < 15)]
        assert soft.size > 0  # soft edge, not a hard ±constant


def test_reverse_propagation_from_the_last_frame():
    frames, masks = moving_square(12)
    tracker = OfflineTracker(frames)
    tracker.add_prompt(11, 1, mask=masks[11])
    results = list(tracker.propagate(reverse=True))
    assert [r.frame_index for r in results] == list(range(11, -1, -1))
    assert min(iou(r.mask(1), masks[r.frame_index]) for r in results) > 0.85


def test_object_leaving_the_frame_becomes_exactly_absent():
    # 5 px per frame (a sixth of its width): fully out of the right edge from frame 12 on
    frames, masks = moving_square(16, dx=5, dy=0, x0=100)
    tracker = OfflineTracker(frames)
    tracker.add_prompt(0, 1, mask=masks[0])
    results = list(tracker.propagate())
    for r in results:
        if not masks[r.frame_index].any():
            assert np.all(r.logits == ABSENT_LOGIT) and r.object_scores[0] < 0
            assert not r.is_present(1)
        elif masks[r.frame_index].sum() > 200:
            assert iou(r.mask(1), masks[r.frame_index]) > 0.7
    assert not masks[-1].any() and np.all(results[-1].low_res_logits == ABSENT_LOGIT)


def test_cancel_stops_between_frames():
    frames, masks = moving_square(12)
    tracker = OfflineTracker(frames)
    tracker.add_prompt(0, 1, mask=masks[0])
    seen = []
    for r in tracker.propagate():
        seen.append(r.frame_index)
        if len(seen) == 3:
            tracker.cancel()
    assert seen == [0, 1, 2]
    # a new propagation runs again after a cancel, from a later frame (warm start)
    assert [r.frame_index for r in tracker.propagate(start=5, max_frames=3)] == [5, 6, 7]


def test_every_prompted_frame_reanchors_the_object():
    frames, masks = moving_square(12)
    tracker = OfflineTracker(frames)
    tracker.add_prompt(0, 1, mask=masks[0])
    odd = np.zeros((H, W), bool)
    odd[5:25, 100:150] = True  # not where the square is: the prompt wins on its frame
    tracker.add_prompt(6, 1, mask=odd)
    by_frame = {r.frame_index: r for r in tracker.propagate()}
    assert np.array_equal(by_frame[6].mask(1), odd)
    assert iou(by_frame[5].mask(1), masks[5]) > 0.85


def test_box_and_click_prompts_segment_the_object():
    frames, masks = moving_square(2)
    ys, xs = np.nonzero(masks[0])
    tracker = OfflineTracker(frames)
    boxed = tracker.add_prompt(0, 1, box=[xs.min() - 4, ys.min() - 4, xs.max() + 5, ys.max() + 5])
    assert iou(boxed.mask(1), masks[0]) > 0.8
    clicked = tracker.add_prompt(0, 2, points=[[xs.mean(), ys.mean()]], labels=[1])
    assert clicked.object_ids == (1, 2)
    assert iou(clicked.mask(2), masks[0]) > 0.7
    refined = tracker.add_prompt(0, 2, points=[[5, 5]], labels=[0], clear=False)
    assert iou(refined.mask(2), masks[0]) > 0.7


def test_objects_prompted_later_are_absent_before_their_prompt():
    frames, masks = moving_square(8)
    tracker = OfflineTracker(frames)
    tracker.add_prompt(0, 1, mask=masks[0])
    tracker.add_prompt(4, 2, mask=masks[4])
    results = list(tracker.propagate())
    assert results[2].object_ids == (1, 2)
    assert np.all(results[2].logits[1] == ABSENT_LOGIT) and results[2].object_scores[1] < 0
    assert iou(results[6].mask(2), masks[6]) > 0.85


def test_remove_object_and_reset():
    frames, masks = moving_square(4)
    tracker = OfflineTracker(frames)
    tracker.add_prompt(0, 1, mask=masks[0])
    tracker.add_prompt(0, 2, mask=masks[0])
    tracker.remove_object(1)
    assert next(iter(tracker.propagate())).object_ids == (2,)
    tracker.reset()
    assert tracker.object_ids == ()
    with pytest.raises(OfflinePromptError, match="add a prompt"):
        tracker.propagate()


def test_bad_prompts_are_user_errors():
    frames, masks = moving_square(3)
    tracker = OfflineTracker(frames)
    with pytest.raises(OfflinePromptError, match="frame 9"):
        tracker.add_prompt(9, 1, mask=masks[0])
    with pytest.raises(OfflinePromptError, match="2 points but 1 labels"):
        tracker.add_prompt(0, 1, points=[[1, 2], [3, 4]], labels=[1])
    with pytest.raises(OfflinePromptError, match="mask has shape"):
        tracker.add_prompt(0, 1, mask=np.ones((10, 10), bool))
    with pytest.raises(OfflinePromptError, match="give points"):
        tracker.add_prompt(0, 1)
    assert OfflinePromptError.user_error is True
    assert issubclass(OfflinePromptError, errors.PromptError)  # one hierarchy for both engines
    assert issubclass(OfflinePromptError, errors.SegmentationError)
