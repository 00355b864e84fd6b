"""Runs :func:`segmentation.proposals.propose_objects` on a background thread.

The model is obtained inside the worker (``model_source()``; loading weights is slow too), the
optional ``model_lock`` serialises access with the tracker, and cancellation is a
``threading.Event`` checked between decode batches.

The thread is a plain Python thread and the worker a UI-thread QObject whose signals are
emitted from it, so Qt delivers them queued on the UI thread. Started workers are kept in a
module registry and only released on the UI thread once their thread has ended, so no Qt
object is ever destroyed from the worker thread or while it runs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from segmentation.proposals import ProposalsCancelled, propose_objects

log = logging.getLogger(__name__)

_started: list[ProposalWorker] = []  # UI-thread-only registry; see module docstring


class ProposalWorker(QObject):
    """One proposal run. Create on the UI thread, then :meth:`start`.

    Signals (emitted from the worker thread, delivered queued to UI-thread receivers):
        progress(points_done, points_total)
        done(list[Proposal])
        failed(message)
        cancelled()
    """

    progress = Signal(int, int)
    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(
        self,
        image: np.ndarray,
        model_source: Callable[[], Any],
        options: dict[str, Any] | None = None,
        model_lock: threading.Lock | None = None,
    ) -> None:
        """``image`` H×W×3 uint8 RGB; ``options`` are keyword settings of ``propose_objects``."""
        super().__init__()
        self._image = image
        self._model_source = model_source
        self._options = dict(options or {})
        self._lock = model_lock
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the run on a new daemon thread (call once, from the UI thread)."""
        _started[:] = [w for w in _started if w.is_running()] + [self]
        self._thread = threading.Thread(target=self._run, name="masklet-proposals", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Ask the run to stop after the current batch (thread-safe, returns at once)."""
        self._cancel.set()

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout_s: float = 30.0) -> bool:
        """Block until the thread has ended (shutdown, tests); True when it has."""
        if self._thread is not None:
            self._thread.join(timeout_s)
        return not self.is_running()

    def _run(self) -> None:
        try:
            if self._lock is not None:
                with self._lock:
                    proposals = self._propose()
            else:
                proposals = self._propose()
        except ProposalsCancelled:
            self.cancelled.emit()
        except Exception as exc:  # reported to the user; the editor keeps running
            log.exception("object proposals failed")
            self.failed.emit(str(exc) or type(exc).__name__)
        else:
            self.done.emit(proposals)

    def _propose(self) -> list:
        model = self._model_source()
        return propose_objects(model, self._image, progress=self.progress.emit,
                               cancel=self._cancel, **self._options)
