"""Tracking on a worker thread driving a TrackingEngine's ``propagate`` generator."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, QThread, Signal, Slot

log = logging.getLogger(__name__)


class _TrackJob(QObject):
    result = Signal(object)           # segmentation.types.FrameResult
    progress = Signal(int, int, float)  # done, total, frames per second
    finished = Signal(bool)           # True when it ran to the end (not cancelled)
    failed = Signal(str)

    def __init__(self, engine, start: int, num_frames: int) -> None:
        super().__init__()
        self._engine = engine
        self._start = start
        self._num_frames = num_frames
        self.cancelled = False

    @Slot()
    def run(self) -> None:
        total = self._num_frames
        done = 0
        t0 = time.perf_counter()
        try:
            for reverse in (False, True):
                for res in self._engine.propagate(start=self._start, reverse=reverse):
                    if self.cancelled:
                        self.finished.emit(False)
                        return
                    done += 1
                    self.result.emit(res)
                    fps = done / max(1e-6, time.perf_counter() - t0)
                    self.progress.emit(min(done, total), total, fps)
        except Exception as exc:  # engine failures become a dialog, the project survives
            log.exception("tracking failed")
            self.failed.emit(str(exc))
            self.finished.emit(False)
            return
        self.finished.emit(not self.cancelled)


class TrackWorker(QObject):
    """Runs forward then backward propagation from ``start`` on a QThread."""

    result = Signal(object)
    progress = Signal(int, int, float)
    finished = Signal(bool)
    failed = Signal(str)

    def __init__(self, engine, start: int, num_frames: int, parent=None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._thread = QThread()
        self._thread.setObjectName("masklet-track")
        self._job = _TrackJob(engine, start, num_frames)
        self._job.moveToThread(self._thread)
        self._thread.started.connect(self._job.run)
        self._job.result.connect(self.result)
        self._job.progress.connect(self.progress)
        self._job.failed.connect(self.failed)
        self._job.finished.connect(self._done)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self._job.cancelled = True
        cancel = getattr(self._engine, "cancel", None)
        if cancel is not None:
            cancel()

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def _done(self, ok: bool) -> None:
        self._thread.quit()
        self._thread.wait()
        self.finished.emit(ok)
