"""``OfflineTracker``: a classical video object tracker that needs no model weights.

It implements :class:`segmentation.types.TrackingEngine` like the SAM 2 video tracker:

* ``add_prompt`` segments the object on a frame from clicks / a box / a mask (GrabCut in a
  region around the prompt) and returns that frame's :class:`FrameResult`;
* ``propagate`` is a generator yielding one :class:`FrameResult` per frame, forward or in
  reverse: the previous mask is warped by dense optical flow (DIS) and refined by GrabCut in
  a band around its edge; every prompted frame re-anchors the object to its prompt's mask;
* ``propagate(affected_only=True)`` re-tracks after corrections by the rule every engine
  follows (:mod:`segmentation.retrack`): frames tracked towards a correction keep their masks;
* ``cancel()`` (from any thread) stops a running propagation before the next frame.

Results follow SAM 2's conventions: logits O×H×W float32, > 0 inside, soft (signed distance
to the edge in pixels, clamped to ±16), exactly −1024 for an absent or lost object;
``object_scores`` > 0 when present — ``logit((1 + c) / 2)`` of the engine's confidence c in
[0, 1] (:mod:`segmentation.offline.confidence`; c = 1 on prompted frames) — and −10 when
absent. Tracked objects never overlap (:mod:`segmentation.offline.overlap`).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence

import numpy as np

from segmentation.errors import PromptError
from segmentation.offline.appearance import subsample
from segmentation.offline.confidence import ConfidenceModel, StepEvidence, score_from_confidence
from segmentation.offline.exclusion import excluded_region
from segmentation.offline.flow_step import FlowParams, FlowStep
from segmentation.offline.initial import segment_prompt
from segmentation.offline.masks import low_res, mask_to_logits
from segmentation.offline.overlap import separate
from segmentation.offline.state import ObjectState, PackedMask, as_points, merge_prompt
from segmentation.retrack import FrameRange, affected_frames, clip_range, plan_steps
from segmentation.types import FrameResult

log = logging.getLogger(__name__)

#: Object score of an absent (lost or not yet prompted) object.
ABSENT_SCORE: float = -10.0


class OfflinePromptError(PromptError):
    """A prompt the offline engine cannot use (wrong frame, shapes, nothing given): a
    :class:`segmentation.errors.PromptError` (user error, ValueError) like the tracker's."""


class _Frames:
    """Reads frames from a source (``len`` + ``read(i)``) or an array, keeping a few cached."""

    def __init__(self, frames, cache_size: int = 4) -> None:
        self._source = frames
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    def __len__(self) -> int:
        return len(self._source)

    def read(self, frame_index: int) -> np.ndarray:
        if frame_index in self._cache:
            self._cache.move_to_end(frame_index)
            return self._cache[frame_index]
        src = self._source
        frame = src.read(frame_index) if hasattr(src, "read") else src[frame_index]
        frame = np.ascontiguousarray(frame, dtype=np.uint8)
        self._cache[frame_index] = frame
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return frame


class OfflineTracker:
    """Classical tracker over a clip (see the module docstring).

    Args:
        frames: frame source (``len`` and ``read(i) -> H×W×3 uint8 RGB``) or a sequence/array
            of such frames.
        params: tuning of the propagation step.
        prompt_work_side_px: GrabCut on prompted frames runs at this longer side (pixels).
        confidence: how step evidence becomes the per-frame confidence.
    """

    def __init__(self, frames, params: FlowParams | None = None,
                 prompt_work_side_px: int = 400,
                 confidence: ConfidenceModel | None = None) -> None:
        self._frames = _Frames(frames)
        if len(self._frames) == 0:
            raise OfflinePromptError("the clip has no frames")
        first = self._frames.read(0)
        self.height, self.width = int(first.shape[0]), int(first.shape[1])
        self._step = FlowStep(params)
        self._confidence = confidence or ConfidenceModel()
        self._prompt_side = prompt_work_side_px
        self._objects: dict[int, ObjectState] = {}
        self._cancelled = threading.Event()
        self._lock = threading.RLock()
        # prompted frames whose affected-only re-track has not run to its end yet
        self._unfinished: dict[int, set[int]] = {}
        #: frames the latest ``propagate`` visits (set when it is called)
        self.planned_frames = 0

    @property
    def num_frames(self) -> int:
        return len(self._frames)

    @property
    def object_ids(self) -> tuple[int, ...]:
        return tuple(self._objects)

    # ------------------------------------------------------------------ prompts
    def add_prompt(
        self,
        frame_index: int,
        object_id: int,
        points: Sequence[Sequence[float]] | np.ndarray | None = None,
        labels: Sequence[int] | np.ndarray | None = None,
        box: Sequence[float] | np.ndarray | None = None,
        mask: np.ndarray | None = None,
        clear: bool = True,
    ) -> FrameResult:
        """Segment ``object_id`` on ``frame_index`` from clicks ((x, y) pixels, labels 1/0),
        a box ``[x0, y0, x1, y1]`` and/or a mask (H×W, nonzero / > 0.5 inside).

        ``clear=True`` replaces this object's prompts on that frame; ``clear=False`` adds the
        clicks to them and refines the current mask of the frame.
        """
        self._check_frame(frame_index)
        try:
            pts, labs = as_points(points, labels)
        except ValueError as exc:
            raise OfflinePromptError(f"object {object_id}, frame {frame_index}: {exc}") from None
        box_t = self._as_box(box, object_id, frame_index)
        mask_b = self._as_mask(mask, object_id, frame_index)
        if len(pts) == 0 and box_t is None and mask_b is None:
            raise OfflinePromptError(
                f"object {object_id}, frame {frame_index}: give points, a box or a mask")
        with self._lock:
            obj = self._objects.setdefault(int(object_id), ObjectState(int(object_id)))
            old = None if clear else obj.prompts.get(frame_index)
            prior = None if clear else obj.output(frame_index)
            prompt = merge_prompt(old, pts, labs, box_t, mask_b)
            if clear and mask_b is None:
                prior = None
            frame = self._frames.read(frame_index)
            base = prior if prior is not None else prompt.mask
            excluded = excluded_region(frame, prompt.points, prompt.labels,
                                       base if base is not None and base.any() else None)
            result = segment_prompt(frame, prompt, prior=prior,
                                    work_side_px=self._prompt_side, excluded=excluded)
            obj.prompts[frame_index] = prompt
            obj.dirty.add(frame_index)
            packed = PackedMask.pack(result) if result.any() else None
            if packed is None:
                obj.anchors.pop(frame_index, None)
                obj.anchor_colors.pop(frame_index, None)
                obj.anchor_areas.pop(frame_index, None)
                log.warning("object %s frame %s: the prompt gave an empty mask", object_id,
                            frame_index)
            else:
                obj.anchors[frame_index] = packed
                pixels = self._frames.read(frame_index)[result]
                obj.anchor_colors[frame_index] = subsample(pixels)
                obj.anchor_areas[frame_index] = len(pixels)
            if excluded is not None and excluded.any():
                obj.excluded_colors[frame_index] = subsample(frame[excluded], 2000)
            else:
                obj.excluded_colors.pop(frame_index, None)
            obj.outputs[frame_index] = packed
            obj.confidence[frame_index] = 0.0 if packed is None else 1.0
            obj.evidence.pop(frame_index, None)
            return self._result(frame_index, {o.object_id: o.output(frame_index)
                                              for o in self._objects.values()}, {})

    def _check_frame(self, frame_index: int) -> None:
        if not 0 <= frame_index < self.num_frames:
            raise OfflinePromptError(
                f"frame {frame_index} is outside the clip (0..{self.num_frames - 1})")

    def _as_box(self, box, object_id: int, frame_index: int):
        if box is None:
            return None
        b = np.asarray(box, np.float64).reshape(-1)
        if b.size != 4 or not (b[2] > b[0] and b[3] > b[1]):
            raise OfflinePromptError(f"object {object_id}, frame {frame_index}: box must be "
                                     f"[x0, y0, x1, y1] with x1 > x0 and y1 > y0, got {box}")
        return tuple(float(v) for v in b)

    def _as_mask(self, mask, object_id: int, frame_index: int):
        if mask is None:
            return None
        m = np.asarray(mask)
        if m.shape != (self.height, self.width):
            raise OfflinePromptError(
                f"object {object_id}, frame {frame_index}: mask has shape {m.shape}, "
                f"expected ({self.height}, {self.width}) (height, width of the frames)")
        return m > 0.5 if m.dtype.kind == "f" else m != 0

    # -------------------------------------------------------------- propagation
    def propagate(
        self, start: int | None = None, reverse: bool = False, max_frames: int | None = None,
        affected_only: bool = False, frame_range: FrameRange | None = None,
    ) -> Iterator[FrameResult]:
        """Generator of one :class:`FrameResult` per frame from ``start`` (default: the first
        prompted frame, or the last one when ``reverse``) to the clip's end (its start when
        ``reverse``), ``start`` included, at most ``max_frames`` frames.

        ``affected_only``: re-track only what the prompts given since the last pass change,
        by the rule of :mod:`segmentation.retrack` (frames tracked towards a correction keep
        their masks); its results hold only those objects, and a pass cancelled before its
        end is redone by the next one. ``frame_range`` ``(first, end)``: only frames
        ``first <= f < end`` are visited, and only objects prompted inside it.
        ``planned_frames`` then holds the number of frames the generator will visit.
        """
        first, end = clip_range(frame_range, self.num_frames)
        with self._lock:
            dirty = {oid: set(o.dirty) for oid, o in self._objects.items() if o.dirty}
            for obj in self._objects.values():
                obj.dirty.clear()
            if affected_only:
                return self._affected(dirty, frame_range, first, end)
            self._keep_outside(dirty, first, end)
            prompted = [f for o in self._objects.values() for f in o.anchors]
            if not prompted:
                if any(o.prompts for o in self._objects.values()):
                    raise OfflinePromptError(
                        "nothing to track: every prompt gave an empty mask — click inside "
                        "the object or draw a box around it")
                raise OfflinePromptError("add a prompt (click, box or mask) before tracking")
            ids = tuple(oid for oid, o in self._objects.items()
                        if frame_range is None or any(first <= f < end for f in o.prompts))
            inside = [f for oid in ids for f in self._objects[oid].anchors if first <= f < end]
            if start is None:
                start = (max(inside) if reverse else min(inside)) if inside else first
            self._check_frame(start)
            stop = -1 if reverse else self.num_frames
            order = list(range(start, stop, -1 if reverse else 1))
            if max_frames is not None:
                order = order[: max(0, int(max_frames))]
            order = [f for f in order if first <= f < end] if ids else []
            self.planned_frames = len(order)
            self._cancelled.clear()
            return self._run(order, reverse, ids)

    def _run(self, order: list[int], reverse: bool, ids: tuple[int, ...]
             ) -> Iterator[FrameResult]:
        if not order:
            return
        current = {oid: self._warm_start(self._objects[oid], order[0], reverse) for oid in ids}
        previous = order[0]
        for frame_index in order:
            if self._cancelled.is_set():
                log.info("propagation cancelled before frame %d", frame_index)
                return
            with self._lock:
                masks: dict[int, np.ndarray | None] = {}
                confs: dict[int, float] = {}
                for oid in ids:
                    obj = self._objects.get(oid)
                    if obj is None:  # removed while tracking
                        continue
                    mask, conf = current.get(oid, (None, 0.0))
                    if frame_index in obj.anchors:
                        mask, conf = obj.anchors[frame_index].unpack(), 1.0
                    elif frame_index != previous and mask is not None:
                        mask, conf = self._advance(obj, previous, frame_index, mask, conf,
                                                   reverse)
                    masks[oid], confs[oid] = mask, conf
                masks, result = self._finish_frame(frame_index, masks, confs, reverse)
                current.update((oid, (mask, confs[oid])) for oid, mask in masks.items())
            previous = frame_index
            yield result

    def _finish_frame(self, frame_index: int, masks: dict[int, np.ndarray | None],
                      confs: dict[int, float], reverse: bool
                      ) -> tuple[dict[int, np.ndarray | None], FrameResult]:
        """Objects kept apart, each stored, and the frame's result (lock held): the common
        end of a propagation step and a re-track step."""
        masks = self._apart(frame_index, masks)
        for oid, mask in masks.items():
            self._store(self._objects[oid], frame_index, mask, confs[oid], reverse)
        return masks, self._result(frame_index, masks, confs, tuple(masks))

    def _advance(self, obj: ObjectState, prev: int, frame_index: int, mask: np.ndarray,
                 conf: float, reverse: bool) -> tuple[np.ndarray | None, float]:
        """One propagation step of ``obj`` from ``prev`` (mask, confidence) to its
        neighbour ``frame_index``; the step's evidence is kept for :meth:`evidence`."""
        step = self._step.step(self._frames.read(prev), self._frames.read(frame_index), mask,
                               *obj.colors_near(frame_index, reverse))
        if step.mask is None or step.evidence is None:
            obj.evidence.pop(frame_index, None)
            return None, 0.0
        obj.evidence[frame_index] = step.evidence
        return step.mask, self._confidence.update(conf, step.evidence)

    def _apart(self, frame_index: int, masks: dict[int, np.ndarray | None]
               ) -> dict[int, np.ndarray | None]:
        """``masks`` with no pixel in two objects: prompted masks on this frame and the
        stored masks of objects this step does not track are kept as they are."""
        if len(self._objects) < 2:
            return masks
        fixed = {oid: m for oid, m in masks.items() if frame_index in self._objects[oid].anchors}
        fixed.update({oid: o.output(frame_index) for oid, o in self._objects.items()
                      if oid not in masks})
        moving = {oid: m for oid, m in masks.items() if oid not in fixed}
        moved = separate(moving, fixed)
        return {oid: fixed[oid] if oid in fixed else moved[oid] for oid in masks}

    @staticmethod
    def _store(obj: ObjectState, frame_index: int, mask: np.ndarray | None, conf: float,
               reverse: bool) -> None:
        obj.outputs[frame_index] = None if mask is None or not mask.any() \
            else PackedMask.pack(mask)
        obj.confidence[frame_index] = conf if obj.outputs[frame_index] is not None else 0.0
        obj.tracked[frame_index] = reverse

    def evidence(self, object_id: int, frame_index: int) -> StepEvidence | None:
        """What the last propagation step onto this frame measured (None on prompted or
        untracked frames)."""
        obj = self._objects.get(int(object_id))
        return None if obj is None else obj.evidence.get(int(frame_index))

    def confidence(self, object_id: int, frame_index: int) -> float | None:
        """Confidence in [0, 1] of the object's output on a frame (1 where prompted, 0 where
        lost), None when there is no output; see :mod:`segmentation.offline.confidence`."""
        obj = self._objects.get(int(object_id))
        return None if obj is None else obj.confidence.get(int(frame_index))

    def _keep_outside(self, dirty: dict[int, set[int]], first: int, end: int) -> None:
        """A full pass over a range leaves the prompts outside it to a later re-track."""
        for oid, frames in dirty.items():
            outside = {f for f in frames if not first <= f < end}
            if outside:
                self._unfinished.setdefault(oid, set()).update(outside)

    def _affected(self, dirty: dict[int, set[int]], frame_range: FrameRange | None,
                  first: int, end: int) -> Iterator[FrameResult]:
        """The affected-only plan (caller holds the lock); see :meth:`propagate`."""
        for oid, frames in self._unfinished.items():  # a cancelled re-track resumes
            if oid in self._objects:
                dirty.setdefault(oid, set()).update(frames)
        self._unfinished = {oid: set(frames) for oid, frames in dirty.items()}
        walks = {oid: affected_frames(frames, self._objects[oid].anchors,
                                      self._objects[oid].tracked, self.num_frames, frame_range)
                 for oid, frames in dirty.items() if oid in self._objects}
        plan = plan_steps(walks)
        self.planned_frames = len({frame for frame, _rev, _ids in plan})
        self._cancelled.clear()
        return self._run_plan(plan, first, end)

    def _run_plan(self, plan: list[tuple[int, bool, tuple[int, ...]]], first: int, end: int
                  ) -> Iterator[FrameResult]:
        for frame_index, reverse, ids in plan:
            if self._cancelled.is_set():
                log.info("re-track cancelled before frame %d", frame_index)
                return
            with self._lock:
                masks: dict[int, np.ndarray | None] = {}
                confs: dict[int, float] = {}
                for oid in ids:
                    obj = self._objects.get(oid)
                    if obj is not None:
                        masks[oid], confs[oid] = self._next(obj, frame_index, reverse)
                _masks, result = self._finish_frame(frame_index, masks, confs, reverse)
            yield result
        with self._lock:  # prompts outside the range wait for a pass that holds them
            self._unfinished = {oid: {f for f in frames if not first <= f < end}
                                for oid, frames in self._unfinished.items()}

    def _next(self, obj: ObjectState, frame_index: int, reverse: bool
              ) -> tuple[np.ndarray | None, float]:
        """One object's mask and confidence on a frame from its stored neighbour in the
        direction of travel (its anchor on a prompted frame)."""
        if frame_index in obj.anchors:
            return obj.anchors[frame_index].unpack(), 1.0
        prev = frame_index + 1 if reverse else frame_index - 1
        mask = obj.output(prev) if 0 <= prev < self.num_frames else None
        if mask is None:
            return None, 0.0
        return self._advance(obj, prev, frame_index, mask, obj.confidence.get(prev, 1.0),
                             reverse)

    def _warm_start(self, obj: ObjectState, start: int, reverse: bool
                    ) -> tuple[np.ndarray | None, float]:
        """The object's mask and confidence on ``start``: its anchor or stored output, or
        tracked silently from the nearest known frame before ``start`` (after it when
        ``reverse``)."""
        if start in obj.anchors:
            return obj.anchors[start].unpack(), 1.0
        known = obj.nearest_known(start, reverse)
        if known is None:
            return None, 0.0
        mask, conf = obj.output(known), obj.confidence.get(known, 1.0)
        step = 1 if known < start else -1
        for f in range(known + step, start + step, step):
            if mask is None or self._cancelled.is_set():
                return None, 0.0
            mask, conf = self._advance(obj, f - step, f, mask, conf, reverse)
        return mask, conf

    def _result(self, frame_index: int, masks: dict[int, np.ndarray | None],
                scores: dict[int, float], ids: tuple[int, ...] | None = None) -> FrameResult:
        ids = tuple(self._objects) if ids is None else ids
        logits = np.stack([mask_to_logits(masks.get(i), self.height, self.width) for i in ids]) \
            if ids else np.zeros((0, self.height, self.width), np.float32)
        low = np.stack([low_res(lg) for lg in logits]) if ids else np.zeros((0, 256, 256),
                                                                             np.float32)
        obj_scores = np.array(
            [score_from_confidence(scores.get(i, 1.0))
             if masks.get(i) is not None and masks[i].any() else ABSENT_SCORE for i in ids],
            dtype=np.float32)
        return FrameResult(frame_index, ids, logits, low, obj_scores)

    # ------------------------------------------------------------------ control
    def cancel(self) -> None:
        """Stop a running propagation before its next frame (safe from another thread)."""
        self._cancelled.set()

    def remove_object(self, object_id: int) -> None:
        """Forget an object, its prompts and results (no error when unknown)."""
        with self._lock:
            self._objects.pop(int(object_id), None)
            self._unfinished.pop(int(object_id), None)

    def reset(self) -> None:
        """Forget every object, prompt and result."""
        with self._lock:
            self._objects.clear()
            self._unfinished.clear()
