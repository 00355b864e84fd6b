"""The 'Find objects' state machine: run → show proposals → click one → new object, or dismiss.

The viewer forwards pointer positions (image pixels) to :meth:`ProposalController.hover` and
:meth:`ProposalController.click`, paints :attr:`ProposalController.overlay` and repaints on
:attr:`ProposalController.changed`. Creating the object is delegated to ``create_object``
(see :mod:`editor.proposals.commands`), which goes through the document's undo stack.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from editor.proposals.overlay import ProposalOverlay
from editor.proposals.worker import ProposalWorker

log = logging.getLogger(__name__)

#: ``create_object(frame_index, mask)``: mask is H×W bool at frame resolution.
CreateObject = Callable[[int, np.ndarray], Any]


class ProposalController(QObject):
    """Owns the overlay and at most one running proposal worker.

    Args:
        model_source: returns the SAM 2 model / image predictor / decoder; called on the worker
            thread (so loading weights there does not block the UI).
        create_object: makes the new object from a chosen proposal (undoable command).
        options: keyword settings for ``propose_objects`` (e.g. ``points_per_side``).
        model_lock: lock shared with the tracker, held while the model runs.

    Signals:
        changed(): the overlay needs a repaint.
        busy_changed(bool): a run started (True) or ended (False).
        progress(points_done, points_total)
        message(str): one line for the status bar.
        object_created(object): whatever ``create_object`` returned.
    """

    changed = Signal()
    busy_changed = Signal(bool)
    progress = Signal(int, int)
    message = Signal(str)
    object_created = Signal(object)

    def __init__(
        self,
        model_source: Callable[[], Any],
        create_object: CreateObject,
        options: dict[str, Any] | None = None,
        model_lock: threading.Lock | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.overlay = ProposalOverlay()
        self._model_source = model_source
        self._create_object = create_object
        self._options = dict(options or {})
        self._lock = model_lock
        self._worker: ProposalWorker | None = None
        self._frame_index: int | None = None
        self._ended: list[ProposalWorker] = []  # for shutdown(); the worker module keeps them alive

    @property
    def running(self) -> bool:
        return self._worker is not None

    @property
    def active(self) -> bool:
        """True while running or while proposals are shown (Esc should go to :meth:`dismiss`)."""
        return self.running or self.overlay.visible

    def find_objects(self, image: np.ndarray, frame_index: int) -> None:
        """Start proposals for ``image`` (H×W×3 uint8 RGB, frame ``frame_index``)."""
        self.dismiss()
        self._ended = [w for w in self._ended if w.is_running()]
        worker = ProposalWorker(image, self._model_source, self._options, self._lock)
        worker.progress.connect(self.progress)
        # Bound slots of this UI-thread QObject: queued onto the UI thread, never run on the worker.
        worker.done.connect(self._on_done)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        self._worker = worker
        self._frame_index = frame_index
        self.busy_changed.emit(True)
        self.message.emit("Finding objects…")
        worker.start()

    def cancel(self) -> None:
        """Stop a running search (the overlay stays empty)."""
        if self._worker is not None:
            self._worker.cancel()

    def dismiss(self) -> None:
        """Cancel any run and hide the proposals (Esc)."""
        if self._worker is not None:
            worker, self._worker = self._worker, None
            worker.cancel()
            self._ended.append(worker)
            self.busy_changed.emit(False)
        if self.overlay.visible:
            self.overlay.clear()
            self.changed.emit()

    def hover(self, x: float, y: float) -> None:
        """Pointer at image pixel ``(x, y)``: highlight the proposal under it."""
        if self.overlay.hover(x, y):
            self.changed.emit()

    def click(self, x: float, y: float) -> bool:
        """Click at image pixel ``(x, y)``: make the proposal under it an object.

        Returns True when a proposal was taken (the viewer should not treat the click as a
        prompt), False when there was none under the pointer.
        """
        index = self.overlay.proposal_at(x, y)
        if index is None or self.overlay.frame_index is None:
            return False
        proposal = self.overlay.proposals[index]
        created = self._create_object(self.overlay.frame_index, proposal.mask)
        self.dismiss()
        self.message.emit("New object from proposal")
        self.object_created.emit(created)
        return True

    def shutdown(self, timeout_s: float = 30.0) -> None:
        """Cancel and wait for the worker thread (window closing)."""
        worker = self._worker
        self.dismiss()
        for ended in [*self._ended, worker]:
            if ended is not None:
                ended.wait(timeout_s)
        self._ended.clear()

    @Slot(object)
    def _on_done(self, proposals: list) -> None:
        if not self._end(self.sender()):
            return  # a dismissed run that finished anyway
        self.overlay.set_proposals(self._frame_index, proposals)
        self.message.emit(f"{len(proposals)} objects found — click one to add it, Esc to close"
                          if proposals else "No objects found")
        self.changed.emit()

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        if self._end(self.sender()):
            self.message.emit(f"Find objects failed: {text}")

    @Slot()
    def _on_cancelled(self) -> None:
        if self._end(self.sender()):
            self.message.emit("Find objects cancelled")

    def _end(self, worker: QObject | None) -> bool:
        """Forget the finished current worker; False when ``worker`` is a stale one."""
        if worker is None or worker is not self._worker:
            return False
        self._worker = None
        self._ended.append(worker)
        self.busy_changed.emit(False)
        return True
