"""The tracking engine on its own QThread: prompt sync, propagation, results into the store.

The engine (SAM 2 ``VideoTracker`` or ``OfflineTracker``) is created lazily on the worker
thread by ``factory()`` and driven only from there. The UI sends the wanted prompts
(:func:`editor.app.tracking.desired_prompts`); the worker diffs them against what the engine
holds and calls ``add_prompt`` / ``remove_object`` as needed, so undo/redo and object
deletion stay in sync. Results are written to the masklet store on the worker thread (the
store is thread-safe and its events reach the UI through the queued bridge).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QThread, Signal, Slot

from editor.app.tracking import EnginePrompt

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrackRequest:
    """``affected_only``: re-track only what changed since the last complete pass;
    ``frame_range`` ``(first, end)``: track only frames ``first <= f < end`` (the in/out
    range; prompts outside it are kept but not used); ``cancel``: set to stop this request,
    also before it starts (a cancel is never lost while the worker is still busy)."""

    num_frames: int
    affected_only: bool = True
    frame_range: tuple[int, int] | None = None
    cancel: threading.Event = field(default_factory=threading.Event, compare=False)

    @property
    def bounds(self) -> tuple[int, int]:
        first, end = self.frame_range or (0, self.num_frames)
        return max(0, first), min(self.num_frames, end)

    def range_text(self) -> str:
        """"frames 3–40 of 287" (1-based, inclusive) or "all 287 frames"."""
        first, end = self.bounds
        if (first, end) == (0, self.num_frames):
            return f"all {self.num_frames} frames"
        return f"frames {first + 1}–{end} of {self.num_frames}"


class _EngineJob(QObject):
    prompt_absent = Signal(int, int)   # object id, frame: the prompt found no object
    tracked = Signal(int)              # frame index whose results were just stored
    progress = Signal(int, int, float)  # frames done, total, frames/s
    finished = Signal(bool)            # tracking ran to the end
    failed = Signal(str)
    engine_ready = Signal(str)         # description of the engine

    def __init__(self, factory: Callable[[], object], store) -> None:
        super().__init__()
        self._factory = factory
        self._store = store
        self.engine = None
        self._applied: dict[tuple[int, int], EnginePrompt] = {}
        self._dirty: dict[int, set[int]] = {}
        #: the frames (first, end) a complete pass has tracked; None before the first
        self._full_range: tuple[int, int] | None = None

    def _engine(self):
        if self.engine is None:
            self.engine = self._factory()
            self.engine_ready.emit(type(self.engine).__name__)
        return self.engine

    def _write(self, res, only: set[int] | None = None, prompted: bool = False) -> list[int]:
        """Store the results (of the objects in ``only``); returns the ids found absent.
        Low-res logits are kept for ``prompted`` results only (what a prompt replay uses)."""
        absent = []
        for k, oid in enumerate(res.object_ids):
            if only is not None and oid not in only:
                continue
            score = float(res.object_scores[k])
            logits = res.logits[k] if score > 0 else None
            self._store.write(oid, res.frame_index, logits, score,
                              res.low_res_logits[k] if prompted else None)
            if logits is None:
                absent.append(oid)
        return absent

    @Slot(object)
    def sync(self, wanted: dict[tuple[int, int], EnginePrompt]) -> None:
        try:
            self._sync(wanted)
        except Exception as exc:  # a bad prompt or engine failure must not kill the app
            log.exception("prompt failed")
            self.failed.emit(str(exc))

    def _sync(self, wanted: dict[tuple[int, int], EnginePrompt]) -> None:
        engine = self._engine()
        stale = {oid for (oid, f) in self._applied if (oid, f) not in wanted}
        for oid in stale:
            engine.remove_object(oid)
            self._applied = {k: v for k, v in self._applied.items() if k[0] != oid}
            self._dirty.setdefault(oid, set()).update(f for (o, f) in wanted if o == oid)
        for key in sorted(wanted):
            if self._applied.get(key) == wanted[key]:
                continue
            oid, frame_index = key
            try:
                res = engine.add_prompt(frame_index, oid, clear=True, **wanted[key].kwargs())
            except Exception as exc:
                if not getattr(exc, "user_error", False):
                    raise
                # refused as given: said once, not retried until it changes; the other
                # prompts still reach the engine
                self._applied[key] = wanted[key]
                log.info("prompt refused: %s", exc)
                self.failed.emit(str(exc))
                continue
            self._applied[key] = wanted[key]
            if self._write(res, {oid}, prompted=True):
                self.prompt_absent.emit(oid, frame_index)
            self._dirty.setdefault(oid, set()).add(frame_index)

    @Slot(object)
    def track(self, request: TrackRequest) -> None:
        try:
            ok = self._track(request)
        except Exception as exc:  # out of memory, engine bugs: a dialog, not a crash
            if getattr(exc, "user_error", False):  # e.g. every prompt gave an empty mask
                log.info("tracking refused: %s", exc)
            else:
                log.exception("tracking failed")
            self.failed.emit(str(exc))
            ok = False
        self.finished.emit(ok)

    def _passes(self, request: TrackRequest) -> list[tuple[dict, set[int] | None]]:
        """``(propagate keyword arguments, objects to store or None for all)`` of each pass
        inside the request's range: nothing when nothing changed since a complete pass, the
        engine's affected-only re-track after changes, else forward and back from the
        first prompted frame."""
        first, end = request.bounds
        prompted = sorted({f for (_o, f) in self._applied if first <= f < end})
        # objects deleted since the last pass leave empty entries: nothing to re-track there
        dirty = {oid: {f for f in fs if first <= f < end} for oid, fs in self._dirty.items()}
        dirty = {oid: fs for oid, fs in dirty.items() if fs}
        covered = self._full_range is not None and (
            self._full_range[0] <= first and end <= self._full_range[1])
        bounds = {"frame_range": (first, end)}
        if request.affected_only and covered:
            if not dirty:
                return []  # nothing changed (inside the range) since the last complete pass
            return [({"affected_only": True, **bounds}, set(dirty))]
        start = prompted[0]
        return [({"start": start, **bounds}, None),
                ({"start": start, "reverse": True, **bounds}, None)]

    def _track(self, request: TrackRequest) -> bool:
        if not self._applied:
            self.failed.emit("Click on an object first, then track it.")
            return False
        first, end = request.bounds
        if not any(first <= f < end for (_o, f) in self._applied):
            self.failed.emit(f"No prompt inside the in/out range ({request.range_text()}): "
                             "click the object on a frame inside it, or clear the range "
                             "(Edit ▸ Clear in/out).")
            return False
        if request.cancel.is_set():  # cancelled while the worker was busy before it
            return False
        passes = self._passes(request)
        engine = self._engine()
        full = passes and passes[0][1] is None
        # Progress counts the frames this pass tracks (both passes yield their start frame).
        total = (end - first) if full else None
        seen: set[int] = set()
        t0 = time.perf_counter()
        try:
            for kwargs, only in passes:
                if request.cancel.is_set():
                    return False
                gen = engine.propagate(**kwargs)
                try:
                    for res in gen:
                        self._write(res, only)
                        seen.add(res.frame_index)
                        if total is None:
                            total = engine.planned_frames or end - first
                        done = len(seen)
                        self.tracked.emit(res.frame_index)
                        self.progress.emit(min(done, total), total,
                                           done / max(1e-6, time.perf_counter() - t0))
                        if request.cancel.is_set():  # what was tracked is kept
                            return False
                finally:
                    gen.close()
        finally:
            self._store.flush()
        self._dirty = {oid: {f for f in fs if not first <= f < end}
                       for oid, fs in self._dirty.items()}
        self._full_range = self._covered_after(first, end, full)
        return True

    def _covered_after(self, first: int, end: int, full: bool) -> tuple[int, int] | None:
        """The frames complete passes have tracked, after one over (first, end)."""
        old = self._full_range
        if not full:
            return old
        if old is None or end < old[0] or first > old[1]:
            return first, end  # no overlap: the frames between were never tracked
        return min(first, old[0]), max(end, old[1])


class EngineWorker(QObject):
    """UI-side handle: ``sync(wanted)``, ``track(request)``, ``cancel()``; signals as the job."""

    prompt_absent = Signal(int, int)
    tracked = Signal(int)
    progress = Signal(int, int, float)
    finished = Signal(bool)
    failed = Signal(str)
    engine_ready = Signal(str)
    _sync = Signal(object)
    _track = Signal(object)

    def __init__(self, factory: Callable[[], object], store, parent: QObject | None = None
                 ) -> None:
        super().__init__(parent)
        self._request: TrackRequest | None = None
        self._thread = QThread()
        self._thread.setObjectName("masklet-engine")
        self._job = _EngineJob(factory, store)
        self._job.moveToThread(self._thread)
        self._sync.connect(self._job.sync)
        self._track.connect(self._job.track)
        for name in ("prompt_absent", "tracked", "progress", "failed",
                     "engine_ready"):
            getattr(self._job, name).connect(getattr(self, name))
        self._job.finished.connect(self._on_finished)
        self.tracking = False
        self._thread.start()

    def sync(self, wanted: dict) -> None:
        self._sync.emit(dict(wanted))

    def track(self, request: TrackRequest) -> None:
        self.tracking = True
        self._request = request
        self._track.emit(request)

    def cancel(self) -> None:
        """Stop the requested or running pass after the frame in progress (any thread)."""
        if self._request is not None:
            self._request.cancel.set()
        engine = self._job.engine
        if engine is not None:
            engine.cancel()

    def _on_finished(self, ok: bool) -> None:
        self.tracking = False
        self.finished.emit(ok)

    def stop(self) -> None:
        self.cancel()
        self._thread.quit()
        self._thread.wait()
