"""SAM 2 video tracker: prompts on any frame, propagation as a per-frame generator.

Official ``SAM2VideoPredictor`` semantics (see ``sam2-reference/README.md`` §2.7) with a typed
session: objects (:mod:`.objects`), their memory banks (:mod:`.memory_bank`), per-frame model
work batched over objects (:mod:`.step`), byte-bounded caches of image features and outputs.
One lock serialises model use and state changes; results are immutable ``FrameResult``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from segmentation.retrack import FrameRange, clip_range
from segmentation.tracker import budget
from segmentation.tracker.caches import LruCache
from segmentation.tracker.errors import PromptError, TrackerOutOfMemoryError
from segmentation.tracker.frames import FrameInputs
from segmentation.tracker.memory_bank import FrameOutput, ObjectMemory
from segmentation.tracker.model_port import FrameFeatures, ModelPort
from segmentation.tracker.objects import PendingOutput, PointPrompt, TrackedObject
from segmentation.tracker.postprocess import non_overlapping, to_video_resolution
from segmentation.tracker.prompts import make_prompt
from segmentation.tracker.schedule import affected_plan, processing_order
from segmentation.tracker.settings import TrackerOptions
from segmentation.tracker.step import (
    encode_memories,
    prompt_output,
    tracked_outputs,
    upsample_to_input,
)
from segmentation.types import ABSENT_LOGIT, FrameResult
from segmentation.upsample import upsample_logits

if TYPE_CHECKING:
    from segmentation.sam2.model import SAM2Model

_LOG = logging.getLogger(__name__)
_OOM = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)


class VideoTracker:
    """Track objects through a clip with SAM 2 (satisfies ``segmentation.types.TrackingEngine``).

    Args:
        model: a ``segmentation.sam2`` SAM 2 model (eval mode; its device/dtype are used).
        frames: N×H×W×3 uint8 RGB array, or a frame source with ``len`` and ``read(i)``.
        corrections_as_conditioning, non_overlap, fill_hole_area, memory, feature_cache_mb,
        result_cache_mb, binarize_prompted_masks: see :class:`TrackerOptions`.
        on_result: optional callback receiving every ``FrameResult`` (a sink such as the
            masklet store), called before the result is yielded.
    """

    def __init__(self, model: SAM2Model, frames: Any, *, on_result: Callable[[FrameResult], None]
                 | None = None, **options: Any) -> None:
        self._port = ModelPort(model)
        inputs = frames if isinstance(frames, FrameInputs) else FrameInputs.from_frames(
            frames, self._port.settings.image_size)
        self._setup(inputs, TrackerOptions(**options), on_result)

    @classmethod
    def from_model_inputs(cls, model: SAM2Model, images: torch.Tensor, video_size: tuple[int, int],
                          **options: Any) -> VideoTracker:
        """From preprocessed N×3×S×S float32 inputs and the original (height, width)."""
        return cls(model, FrameInputs.from_tensor(images, video_size), **options)

    def _setup(self, inputs: FrameInputs, options: TrackerOptions,
               on_result: Callable[[FrameResult], None] | None) -> None:
        self.options = options
        self._inputs = inputs
        self._on_result = on_result
        self._lock = threading.RLock()
        self._cancel = threading.Event()
        self._objects: dict[int, TrackedObject] = {}
        # prompted frames whose affected-only re-track was cancelled before it finished
        self._unfinished: dict[int, set[int]] = {}
        self._range: FrameRange | None = None  # the running pass's frame range
        #: frames the latest ``propagate`` visits (set when its generator starts)
        self.planned_frames = 0
        self._features = LruCache[FrameFeatures](int(options.feature_cache_mb * 2**20),
                                                 lambda f: f.nbytes)
        # outputs carry their spatial memory: a correction's re-track reads the memories
        # of the frames behind it from here when the window policy dropped them
        self._results = LruCache[FrameOutput](int(options.result_cache_mb * 2**20),
                                              lambda o: o.nbytes)

    # ----------------------------------------------------------------- properties
    @property
    def num_frames(self) -> int:
        return self._inputs.num_frames

    @property
    def video_size(self) -> tuple[int, int]:
        """(height, width) of the original frames."""
        return self._inputs.video_size

    @property
    def object_ids(self) -> tuple[int, ...]:
        with self._lock:
            return tuple(self._objects)

    def state_nbytes(self) -> int:
        """Bytes of per-object tracking state (memory banks, pending outputs)."""
        with self._lock:
            total = 0
            for obj in self._objects.values():
                total += obj.memory.nbytes + sum(p.output.nbytes for p in obj.pending.values())
            return total

    def stored_frame_count(self) -> int:
        """Number of per-object frame outputs held in the memory banks."""
        with self._lock:
            return sum(len(o.memory.cond) + len(o.memory.non_cond)
                       for o in self._objects.values())

    # ----------------------------------------------------------------- prompts
    def add_prompt(
        self, frame_index: int, object_id: int,
        points: Sequence[Sequence[float]] | np.ndarray | None = None,
        labels: Sequence[int] | np.ndarray | None = None,
        box: Sequence[float] | np.ndarray | None = None,
        mask: np.ndarray | None = None, clear: bool = True,
    ) -> FrameResult:
        """Add clicks, a box or a mask for one object on one frame; returns that frame's result.

        Points are (x, y) pixels of the original frame with labels 1 (include) / 0
        (exclude); ``box`` is [x0, y0, x1, y1]; ``mask`` is H×W bool or 0..1 float (≥ 0.5 =
        inside), alone. ``clear=False`` appends the clicks to this frame's earlier clicks.
        """
        with self._lock:
            self._check_frame(frame_index)
            obj = self._objects.get(object_id)
            s = self._port.settings
            earlier = None if obj is None else obj.prompts.get(frame_index)
            prompt = make_prompt(points, labels, box, mask, clear, earlier, self.video_size,
                                 s.image_size)
            if obj is None:
                obj = self._objects[object_id] = TrackedObject(object_id)
            obj.prompts[frame_index] = prompt
            is_init = frame_index not in obj.tracked
            is_cond = is_init or self.options.corrections_as_conditioning
            previous = None
            if isinstance(prompt, PointPrompt):
                previous = obj.previous_logits(frame_index, is_cond)
                if previous is None:
                    cached = self._results.get((frame_index, object_id))
                    previous = None if cached is None else cached.low_res
            with torch.inference_mode():
                features = self._frame_features(frame_index)
                out = self._guard(frame_index, lambda: prompt_output(
                    self._port, features, obj.memory, frame_index, prompt, is_init,
                    obj.tracked.get(frame_index, False), previous, self.num_frames,
                    self.options.fill_hole_area))
            obj.pending[frame_index] = PendingOutput(out, is_cond)
            self._results.put((frame_index, object_id), out)
            shown = [(o.object_id, o.current_output(frame_index, is_cond)
                      or self._results.get((frame_index, o.object_id)))
                     for o in self._objects.values()]
            return self._frame_result(frame_index, shown)

    def remove_object(self, object_id: int) -> None:
        """Forget an object (prompts, memories, cached outputs); unknown ids are ignored."""
        with self._lock:
            self._objects.pop(object_id, None)
            self._unfinished.pop(object_id, None)
            self._results.discard_where(lambda key: key[1] == object_id)

    def reset(self) -> None:
        """Remove every object and prompt; cached image features are kept."""
        with self._lock:
            self._objects.clear()
            self._unfinished.clear()
            self._results.clear()

    def cancel(self) -> None:
        """Stop a running ``propagate`` after the frame in progress (thread-safe)."""
        self._cancel.set()

    def get_result(self, frame_index: int) -> FrameResult | None:
        """Latest cached result of a frame for all objects (None when nothing is cached)."""
        with self._lock:
            shown = [(oid, self._results.get((frame_index, oid))) for oid in self._objects]
            if not shown or all(out is None for _, out in shown):
                return None
            return self._frame_result(frame_index, shown)

    def stored_output(self, frame_index: int, object_id: int) -> FrameOutput | None:
        """The output the tracker holds for an object on a frame (pending prompt output
        first, then the memory bank, then the result cache); for inspection and tests."""
        with self._lock:
            obj = self._objects.get(object_id)
            if obj is None:
                return None
            pending = obj.pending.get(frame_index)
            if pending is not None:
                return pending.output
            out = obj.memory.output(frame_index)
            return out if out is not None else self._results.get((frame_index, object_id))

    def prompt_points(self, frame_index: int, object_id: int) -> tuple[np.ndarray, np.ndarray]:
        """Clicks held for an object on a frame in model-input pixels: (P, 2) f32, (P,) i32."""
        with self._lock:
            prompt = self._objects[object_id].prompts.get(frame_index)
            if not isinstance(prompt, PointPrompt):
                return np.zeros((0, 2), np.float32), np.zeros((0,), np.int32)
            return prompt.coords[0].numpy().copy(), prompt.labels[0].numpy().copy()

    # ----------------------------------------------------------------- propagation
    def propagate(self, start: int | None = None, reverse: bool = False,
                  max_frames: int | None = None, affected_only: bool = False,
                  frame_range: FrameRange | None = None) -> Iterator[FrameResult]:
        """Yield one ``FrameResult`` per frame in processing order (official semantics).

        ``start`` defaults to the earliest conditioning frame; ``reverse`` tracks backwards;
        ``max_frames`` bounds the frames after ``start``. With ``affected_only`` only the
        objects prompted since the last pass are re-tracked, each from its prompted frames
        towards its next conditioning frame in the directions whose tracking flowed through
        the prompted frame (``schedule.affected_ranges``); other frames keep their results,
        and results then hold only those objects; an affected-only pass that was cancelled or
        closed before its end is redone by the next one. ``cancel()`` or closing the
        generator stops between frames with the state consistent.

        ``frame_range`` ``(first, end)``: only frames ``first <= f < end`` are tracked, only
        objects prompted inside it, and nothing outside it is read (prompts and results
        outside are kept for later passes). When the generator starts, ``planned_frames``
        holds the number of frames it will visit.
        """
        with self._lock:
            self._cancel.clear()
            first, end = clip_range(frame_range, self.num_frames)
            self._range = None if frame_range is None else (first, end)
            dirty = {oid: set(o.pending) for oid, o in self._objects.items() if o.pending}
            with torch.inference_mode():
                self._flush_pending()
            if affected_only:
                for oid, frames in self._unfinished.items():  # a cancelled re-track resumes
                    if oid in self._objects:
                        dirty.setdefault(oid, set()).update(frames)
                self._unfinished = {oid: set(frames) for oid, frames in dirty.items()}
                self._restore_neighbours(dirty)
                plan = affected_plan(self._objects, dirty, self.num_frames, frame_range)
            else:  # prompts outside the range wait for a re-track whose range holds them
                for oid, frames in dirty.items():
                    outside = {f for f in frames if not first <= f < end}
                    if outside:
                        self._unfinished.setdefault(oid, set()).update(outside)
                ids = tuple(oid for oid, o in self._objects.items()
                            if any(first <= f < end for f in o.memory.cond))
                if start is None:
                    start = min((f for oid in ids for f in self._objects[oid].memory.cond
                                 if first <= f < end), default=first)
                self._check_frame(start)
                order = processing_order(start, reverse, max_frames, self.num_frames)
                plan = [(frame, reverse, ids) for frame in order
                        if first <= frame < end] if ids else []
            self.planned_frames = len({frame for frame, _rev, _ids in plan})
            self._warn_memory(len(plan))
        for frame, rev, object_ids in plan:
            if self._cancel.is_set():
                _LOG.info("tracking cancelled before frame %d", frame)
                return
            with self._lock:
                result = self._propagate_frame(frame, rev, object_ids)
            if self._on_result is not None:
                self._on_result(result)
            yield result
        if affected_only:  # prompts outside the range wait for a pass that holds them
            with self._lock:
                self._unfinished = {oid: {f for f in frames if not first <= f < end}
                                    for oid, frames in self._unfinished.items()}

    def _propagate_frame(self, frame: int, reverse: bool, object_ids: Sequence[int]
                         ) -> FrameResult:
        objs = [self._objects[i] for i in object_ids if i in self._objects]
        to_track = [o for o in objs if frame not in o.memory.cond]
        with torch.inference_mode():
            if to_track:
                features = self._frame_features(frame)
                outs = self._guard(frame, lambda: self._track(features, to_track, frame, reverse))
                for obj, out in zip(to_track, outs):
                    obj.memory.non_cond[frame] = out
        for obj in objs:
            obj.tracked[frame] = reverse
            if self.options.memory == "window":
                obj.memory.prune(frame, reverse, self._port.settings.lookback_frames)
        shown = []
        for obj in objs:
            out = obj.memory.output(frame)
            self._results.put((frame, obj.object_id), out)
            shown.append((obj.object_id, out))
        return self._frame_result(frame, shown)

    def _track(self, features: FrameFeatures, objs: list[TrackedObject], frame: int,
               reverse: bool) -> list[FrameOutput]:
        outs, high_res, scores = tracked_outputs(
            self._port, features, [self._readable(o.memory) for o in objs], frame, reverse,
            self.num_frames, self.options.fill_hole_area)
        memories = encode_memories(self._port, features, high_res, scores, binarize=False)
        for out, mem in zip(outs, memories):
            out.memory = mem
        return outs

    def _readable(self, memory: ObjectMemory) -> ObjectMemory:
        """The memories a pass may read: those inside its frame range (all without one)."""
        if self._range is None:
            return memory
        first, end = self._range
        return ObjectMemory({f: o for f, o in memory.cond.items() if first <= f < end},
                            {f: o for f, o in memory.non_cond.items() if first <= f < end})

    def _flush_pending(self) -> None:
        """Memory-encode every prompt output and move it into the memory banks."""
        by_frame: dict[int, list[TrackedObject]] = {}
        for obj in self._objects.values():
            for frame in obj.pending:
                by_frame.setdefault(frame, []).append(obj)
        s = self._port.settings
        for frame, objs in sorted(by_frame.items()):
            pending = [o.pending[frame] for o in objs]
            features = self._frame_features(frame)
            low = torch.stack([p.output.low_res for p in pending]).to(self._port.device)
            scores = torch.tensor([p.output.object_score for p in pending])
            memories = self._guard(frame, lambda low=low, scores=scores, f=features:
                                   encode_memories(self._port, f,
                                                   upsample_to_input(low, s.image_size),
                                                   scores, self.options.binarize_prompted_masks))
            for obj, p, mem in zip(objs, pending, memories):
                p.output.memory = mem
                if p.is_cond:
                    obj.memory.cond[frame] = p.output
                    obj.memory.non_cond.pop(frame, None)
                elif frame not in obj.memory.cond:  # official: a cond output wins
                    obj.memory.non_cond[frame] = p.output
        for obj in self._objects.values():
            obj.pending.clear()
            if not obj.memory.cond:
                raise PromptError(f"object {obj.object_id} has no prompt; add a click, box or "
                                  "mask before tracking")
        if not self._objects:
            raise PromptError("no objects to track; add a prompt first")

    def _restore_neighbours(self, dirty: dict[int, set[int]]) -> None:
        """Put back the memories a re-track from a corrected frame reads behind it.

        The window policy drops a frame's memory once the pass has moved on; a correction
        on such a frame then re-tracks from a point whose neighbours are gone. Their outputs
        (memory included) are still in the result cache unless evicted; without them the
        re-track reads fewer memories than a full pass would.
        """
        if self.options.memory != "window":
            return
        reach = self._port.settings.lookback_frames
        for oid, frames in dirty.items():
            obj = self._objects.get(oid)
            if obj is None:
                continue
            for k in frames:
                for f in range(max(k - reach, 0), min(k + reach, self.num_frames - 1) + 1):
                    if f == k or f in obj.memory.cond or f in obj.memory.non_cond:
                        continue
                    cached = self._results.get((f, oid))
                    if cached is not None and cached.memory is not None and f in obj.tracked:
                        obj.memory.non_cond[f] = cached

    # ----------------------------------------------------------------- helpers
    def _check_frame(self, frame_index: int) -> None:
        if not 0 <= int(frame_index) < self.num_frames:
            raise PromptError(f"frame {frame_index} is outside the clip (0..{self.num_frames - 1})")

    def _frame_features(self, frame: int) -> FrameFeatures:
        features = self._features.get(frame)
        if features is None:
            image = self._inputs.input(frame)
            features = self._guard(frame, lambda: self._port.encode(image))
            self._features.put(frame, features)
        return features

    def _guard(self, frame: int, work: Callable[[], Any]) -> Any:
        try:
            return work()
        except _OOM as exc:
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            raise TrackerOutOfMemoryError(frame, self._port.device.type) from exc

    def _frame_result(self, frame: int, shown: list[tuple[int, FrameOutput | None]]
                      ) -> FrameResult:
        side = self._port.settings.low_res_size
        low = torch.full((len(shown), 1, side, side), ABSENT_LOGIT)
        scores = np.full(len(shown), ABSENT_LOGIT, np.float32)
        for i, (_, out) in enumerate(shown):
            if out is not None:
                low[i] = out.low_res.float().cpu()
                scores[i] = out.object_score
        guide = self._inputs.frame(frame) if self.options.upsample == "guided" else None
        if guide is None:
            video = to_video_resolution(low, *self.video_size)
        else:
            video = torch.from_numpy(upsample_logits(low[:, 0].numpy(), *self.video_size,
                                                     "guided", np.asarray(guide)))[:, None]
        if self.options.non_overlap:
            video = non_overlapping(video)
        return FrameResult(frame_index=frame, object_ids=tuple(oid for oid, _ in shown),
                           logits=video[:, 0].numpy(), low_res_logits=low[:, 0].numpy(),
                           object_scores=scores)

    def _warn_memory(self, frame_count: int) -> None:
        s = self._port.settings
        cond = sum(len(o.memory.cond) for o in self._objects.values())
        dtype_bytes = torch.finfo(self._port.dtype).bits // 8
        need = budget.estimate_bytes(s, self.options, frame_count, len(self._objects), cond,
                                     dtype_bytes)
        budget.warn_if_short(need, frame_count)
