"""The tracking engine on its own QThread: prompt sync, propagation, results into the store.

The engine (SAM 2 ``VideoTracker`` or ``OfflineTracker``) is created lazily on the worker
thread by ``factory()`` and driven only from there. The UI sends the wanted prompts
(:func:`editor.prompt_replay.desired_prompts`); the worker diffs them against what the engine
holds and calls ``add_prompt`` / ``remove_object`` as needed, so undo/redo and object
deletion stay in sync. Results are written to the masklet store on the worker thread (the
store is thread-safe and its events reach the UI through the queued bridge).
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, Signal, Slot

from editor.prompt_replay import EnginePrompt

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrackRequest:
    """``affected_only``: re-track only what changed since the last complete pass."""

    num_frames: int
    affected_only: bool = True


class _EngineJob(QObject):
    prompt_done = Signal(object)       # FrameResult of the last prompted frame
    prompt_absent = Signal(int, int)   # object id, frame: the prompt found no object
    result = Signal(object)            # FrameResult during propagation
    progress = Signal(int, int, float)  # frames done, total, frames/s
    finished = Signal(bool)            # tracking ran to the end
    failed = Signal(str)
    engine_ready = Signal(str)         # description of the engine

    def __init__(self, factory: Callable[[], object], store) -> None:
        super().__init__()
        self._factory = factory
        self._store = store
        self.engine = None
        self.cancel_event = threading.Event()
        self._applied: dict[tuple[int, int], EnginePrompt] = {}
        self._dirty: dict[int, set[int]] = {}
        self._full_pass_done = False

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
        last = None
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
            last = res
        if last is not None:
            self.prompt_done.emit(last)

    @Slot(object)
    def track(self, request: TrackRequest) -> None:
        self.cancel_event.clear()
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
        engine = self._engine()
        prompted = sorted({f for (_o, f) in self._applied})
        # objects deleted since the last pass leave empty entries: nothing to re-track there
        dirty = {oid: fs for oid, fs in self._dirty.items() if fs}
        if request.affected_only and self._full_pass_done:
            if not dirty:
                return []  # nothing changed since the last complete pass
            if "affected_only" in inspect.signature(engine.propagate).parameters:
                return [({"affected_only": True}, set(dirty))]
            frames = sorted(f for fs in dirty.values() for f in fs)  # engines without a plan
            return [({"start": frames[0]}, set(dirty)),
                    ({"start": frames[-1], "reverse": True}, set(dirty))]
        return [({"start": prompted[0]}, None), ({"start": prompted[0], "reverse": True}, None)]

    def _track(self, request: TrackRequest) -> bool:
        if not self._applied:
            self.failed.emit("Click on an object first, then track it.")
            return False
        passes = self._passes(request)
        # Progress counts frames, not results: both passes yield the frame they start from.
        total = max(1, request.num_frames)
        seen: set[int] = set()
        t0 = time.perf_counter()
        for kwargs, only in passes:
            gen = self._engine().propagate(**kwargs)
            try:
                for res in gen:
                    if self.cancel_event.is_set():
                        return False
                    self._write(res, only)
                    seen.add(res.frame_index)
                    done = len(seen)
                    self.result.emit(res)
                    self.progress.emit(min(done, total), total,
                                       done / max(1e-6, time.perf_counter() - t0))
            finally:
                gen.close()
            if self.cancel_event.is_set():
                return False
        self._store.flush()
        self._dirty.clear()
        self._full_pass_done = True
        return True


class EngineWorker(QObject):
    """UI-side handle: ``sync(wanted)``, ``track(request)``, ``cancel()``; signals as the job."""

    prompt_done = Signal(object)
    prompt_absent = Signal(int, int)
    result = Signal(object)
    progress = Signal(int, int, float)
    finished = Signal(bool)
    failed = Signal(str)
    engine_ready = Signal(str)
    _sync = Signal(object)
    _track = Signal(object)

    def __init__(self, factory: Callable[[], object], store, parent: QObject | None = None
                 ) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("masklet-engine")
        self._job = _EngineJob(factory, store)
        self._job.moveToThread(self._thread)
        self._sync.connect(self._job.sync)
        self._track.connect(self._job.track)
        for name in ("prompt_done", "prompt_absent", "result", "progress", "failed",
                     "engine_ready"):
            getattr(self._job, name).connect(getattr(self, name))
        self._job.finished.connect(self._on_finished)
        self.tracking = False
        self._thread.start()

    def sync(self, wanted: dict) -> None:
        self._sync.emit(dict(wanted))

    def track(self, request: TrackRequest) -> None:
        self.tracking = True
        self._track.emit(request)

    def cancel(self) -> None:
        """Stop a running propagation after the frame in progress (any thread)."""
        self._job.cancel_event.set()
        engine = self._job.engine
        if engine is not None and hasattr(engine, "cancel"):
            engine.cancel()

    def _on_finished(self, ok: bool) -> None:
        self.tracking = False
        self.finished.emit(ok)

    def stop(self) -> None:
        self.cancel()
        self._thread.quit()
        self._thread.wait()
