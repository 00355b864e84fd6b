"""The re-track rule every engine follows after a correction (torch-free, engine-neutral).

A correction on frame k reaches only the frames whose tracking flowed through k: forward
from k while frames were tracked forwards (or not yet tracked), and backward from k − 1
while frames were tracked in reverse (or not yet tracked); each walk stops at the object's
next conditioning (prompted) frame and at the edge of the frame range being tracked. Frames
tracked *towards* k never used its output and keep their results. The reasons and the
measurements behind the rule are in ``segmentation.tracker.schedule.affected_ranges``.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping

#: A frame range ``(first, end)``: frames ``first <= f < end``.
FrameRange = tuple[int, int]


def clip_range(frame_range: FrameRange | None, num_frames: int) -> FrameRange:
    """``frame_range`` clamped to the clip (the whole clip when None)."""
    if frame_range is None:
        return 0, num_frames
    first, end = int(frame_range[0]), int(frame_range[1])
    return max(0, first), min(num_frames, end)


def affected_frames(frames: Iterable[int], conditioning: Container[int],
                    tracked: Mapping[int, bool], num_frames: int,
                    frame_range: FrameRange | None = None) -> tuple[list[int], list[int]]:
    """Frames one object re-tracks after prompts on ``frames``: (forward, backward).

    ``conditioning``: the object's prompted frames; ``tracked``: frame → tracked in
    reverse, for the frames tracked so far. Forward frames ascend, backward ones descend.
    Prompted frames outside ``frame_range`` are left out (they wait for a pass whose range
    holds them).
    """
    first, end = clip_range(frame_range, num_frames)
    forward: set[int] = set()
    backward: set[int] = set()
    for k in frames:
        if not first <= k < end:
            continue
        forward.add(k)
        f = k + 1
        while f < end and f not in conditioning and not tracked.get(f, False):
            forward.add(f)
            f += 1
        f = k - 1
        while f >= first and f not in conditioning and tracked.get(f, True):
            backward.add(f)
            f -= 1
    return sorted(forward), sorted(backward, reverse=True)


def plan_steps(walks: Mapping[int, tuple[list[int], list[int]]]
               ) -> list[tuple[int, bool, tuple[int, ...]]]:
    """Forward pass then backward pass over the union of per-object walks
    (object id → (forward, backward) frames): steps (frame, reverse, object ids)."""
    fwd: dict[int, list[int]] = {}
    bwd: dict[int, list[int]] = {}
    for oid, (forward, backward) in walks.items():
        for f in forward:
            fwd.setdefault(f, []).append(oid)
        for f in backward:
            bwd.setdefault(f, []).append(oid)
    plan = [(f, False, tuple(fwd[f])) for f in sorted(fwd)]
    plan += [(f, True, tuple(bwd[f])) for f in sorted(bwd, reverse=True)]
    return plan
