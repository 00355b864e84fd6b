"""Offline engine: a correction re-tracks by the rule every engine follows
(``segmentation.retrack``), and a frame range bounds what a pass visits."""

from __future__ import annotations

import numpy as np

from segmentation.offline import OfflineTracker
from tests.segmentation.test_offline_tracker import moving_square


def full_pass(tracker: OfflineTracker, start: int, frame_range=None) -> dict[int, np.ndarray]:
    out = {}
    for reverse in (False, True):
        for res in tracker.propagate(start=start, reverse=reverse, frame_range=frame_range):
            out[res.frame_index] = res.logits[0].copy()
    return out


def test_a_correction_keeps_the_frames_tracked_towards_it_bit_identical():
    """Prompt on 5, track the clip, correct on 14: frames 0..13 (tracked towards 14 or
    before the prompt) are untouched; 14..end are re-tracked forward only."""
    frames, masks = moving_square(24)
    tracker = OfflineTracker(frames)
    tracker.add_prompt(5, 1, mask=masks[5])
    before = full_pass(tracker, 5)
    assert sorted(before) == list(range(24))

    tracker.add_prompt(14, 1, points=[[masks[14].nonzero()[1].mean(),
                                       masks[14].nonzero()[0].mean()]], labels=[1])
    gen = tracker.propagate(affected_only=True)
    assert tracker.planned_frames == 24 - 14
    visited = {res.frame_index: res.logits[0] for res in gen}
    assert sorted(visited) == list(range(14, 24))  # nothing before the correction
    again = full_pass(tracker, 5)  # the engine's own state for frames 0..13 did not move
    for f in range(14):
        assert np.array_equal(again[f], before[f]), f


def test_a_correction_before_a_reverse_tracked_stretch_goes_backwards_only():
    frames, masks = moving_square(20)
    tracker = OfflineTracker(frames)
    tracker.add_prompt(15, 1, mask=masks[15])
    before = full_pass(tracker, 15)
    tracker.add_prompt(6, 1, mask=masks[6])
    visited = [r.frame_index for r in tracker.propagate(affected_only=True)]
    # forward from 6 stops at 7 (tracked in reverse, towards 6); backward from 5 to 0
    assert visited == [6, 5, 4, 3, 2, 1, 0]
    after = full_pass(tracker, 15)
    assert all(np.array_equal(after[f], before[f]) for f in range(7, 20))


def test_a_frame_range_bounds_the_pass_and_ignores_prompts_outside():
    frames, masks = moving_square(24)
    tracker = OfflineTracker(frames)
    tracker.add_prompt(4, 1, mask=masks[4])
    tracker.add_prompt(20, 2, mask=masks[20])  # outside the range: kept, not used
    got = full_pass(tracker, 4, frame_range=(2, 10))
    assert sorted(got) == list(range(2, 10))
    assert tracker.planned_frames == 4 - 2 + 1  # the reverse pass: 4, 3, 2
    res = next(tracker.propagate(start=4, frame_range=(2, 10)))
    assert res.object_ids == (1,)  # object 2 has no prompt inside the range
    # a correction outside the range waits for a pass whose range holds it
    tracker.add_prompt(15, 1, mask=masks[15])
    assert [r.frame_index for r in tracker.propagate(affected_only=True,
                                                     frame_range=(2, 10))] == []
    assert 15 in [r.frame_index for r in tracker.propagate(affected_only=True)]
