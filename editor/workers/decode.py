"""Frame decoding (and overlay/preview composition) on a worker thread.

The UI asks for a frame index; the worker decodes it with its own frame source, reads the
visible objects' masks from the store and, when effects are on, renders the preview; the
UI receives a :class:`FrameBundle`. Only the newest request is served (scrubbing drops
stale ones).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtGui import QImage

log = logging.getLogger(__name__)


def rgb_to_qimage(frame: np.ndarray) -> QImage:
    """H×W×3 (or ×4) uint8 RGB(A) → a QImage that owns a copy of the pixels."""
    frame = np.ascontiguousarray(frame)
    h, w = frame.shape[:2]
    if frame.ndim == 3 and frame.shape[2] == 4:
        return QImage(frame.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()
    frame = np.ascontiguousarray(frame[..., :3])
    return QImage(frame.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


@dataclass
class FrameBundle:
    """What the viewer shows for one frame.

    ``frame``: H×W×3 uint8 RGB source; ``masks``: object id → H×W uint8 alpha (visible
    objects with a mask); ``preview``: H'×W'×3/4 uint8 with effects, or None."""

    frame_index: int
    frame: np.ndarray
    masks: dict[int, np.ndarray] = field(default_factory=dict)
    preview: np.ndarray | None = None


Compose = Callable[[int, np.ndarray], FrameBundle]


def plain_bundle(frame_index: int, frame: np.ndarray) -> FrameBundle:
    return FrameBundle(frame_index, frame)


class _DecodeJob(QObject):
    ready = Signal(object)  # FrameBundle
    failed = Signal(str)

    def __init__(self, source) -> None:
        super().__init__()
        self._source = source
        self._lock = threading.Lock()
        self._wanted: int | None = None
        self.compose: Compose = plain_bundle
        self._last: tuple[int, np.ndarray] | None = None

    def want(self, frame_index: int) -> None:
        with self._lock:
            self._wanted = frame_index

    @Slot()
    def run_pending(self) -> None:
        with self._lock:
            index, self._wanted = self._wanted, None
        if index is None:
            return
        try:
            if self._last is not None and self._last[0] == index:
                frame = self._last[1]
            else:
                frame = self._source.read(index)
                self._last = (index, frame)
            bundle = self.compose(index, frame)
        except Exception as exc:  # decoding errors become a status message, never a crash
            log.exception("decode failed")
            self.failed.emit(f"Could not show frame {index}: {exc}")
            return
        self.ready.emit(bundle)


class FrameDecoder(QObject):
    """``request(i)`` → ``ready(FrameBundle)`` from a QThread; ``set_compose`` swaps the
    overlay/preview step (called on the worker)."""

    ready = Signal(object)
    failed = Signal(str)
    _kick = Signal()

    def __init__(self, source, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self._thread = QThread()
        self._thread.setObjectName("masklet-decode")
        self._job = _DecodeJob(source)
        self._job.moveToThread(self._thread)
        self._kick.connect(self._job.run_pending)
        self._job.ready.connect(self.ready)
        self._job.failed.connect(self.failed)
        self._thread.start()

    def set_compose(self, compose: Compose) -> None:
        self._job.compose = compose

    def request(self, frame_index: int) -> None:
        self._job.want(frame_index)
        self._kick.emit()

    def stop(self) -> None:
        self._thread.quit()
        self._thread.wait()
        close = getattr(self.source, "close", None)
        if close is not None:
            close()
