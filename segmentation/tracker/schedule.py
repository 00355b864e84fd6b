"""Which frames a propagation visits, in which order, for which objects."""

from __future__ import annotations

from collections.abc import Mapping

from segmentation.retrack import FrameRange, affected_frames, plan_steps
from segmentation.tracker.objects import TrackedObject

#: One step of a plan: (frame index, tracked in reverse, object ids to process).
PlanStep = tuple[int, bool, tuple[int, ...]]


def processing_order(start: int, reverse: bool, max_frames: int | None, num_frames: int
                     ) -> list[int]:
    """Official order: ``start`` then up to ``max_frames`` more frames in the direction.

    Reverse tracking from frame 0 visits nothing (as the official predictor).
    """
    count = num_frames if max_frames is None else int(max_frames)
    if reverse:
        end = max(start - count, 0)
        return list(range(start, end - 1, -1)) if start > 0 else []
    end = min(start + count, num_frames - 1)
    return list(range(start, end + 1))


def affected_ranges(obj: TrackedObject, frames: set[int], num_frames: int,
                    frame_range: FrameRange | None = None) -> tuple[list[int], list[int]]:
    """Frames to re-track for one object: (forward frames, backward frames).

    The frames a correction on frame k can have reached are those whose tracking flowed
    through k: forward from k while frames were tracked forwards (or not yet tracked), and
    backward from k − 1 while frames were tracked in reverse (or not yet tracked); each walk
    stops at the object's next conditioning frame. Frames on the other side of k that were
    tracked *towards* k never used its output and keep their results, as in editors where a
    correction carries forward and never rewrites frames already approved. Re-tracking them
    from k would replace a result computed in the official order by one computed in the
    opposite direction, which is no closer to the official full re-track: on 30 bedroom
    frames (micro model, anchors 0 and 20, correction at 5/10/15) the mean IoU with the full
    re-track over all frames is 0.9963/0.9961/0.9963 this way and 0.9959/0.9947/0.9930 when
    both sides are re-tracked, for 15/10/5 re-tracked frames instead of 19. The walk itself
    is :func:`segmentation.retrack.affected_frames`, shared with the offline engine.
    """
    return affected_frames(frames, obj.memory.cond, obj.tracked, num_frames, frame_range)


def affected_plan(objects: Mapping[int, TrackedObject], dirty: Mapping[int, set[int]],
                  num_frames: int, frame_range: FrameRange | None = None) -> list[PlanStep]:
    """Forward pass then backward pass over the union of the dirty objects' ranges (only
    the prompted frames inside ``frame_range``, and frames inside it)."""
    walks = {oid: affected_ranges(objects[oid], frames, num_frames, frame_range)
             for oid, frames in dirty.items() if oid in objects}
    return plan_steps(walks)
