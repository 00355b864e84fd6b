"""Frame decoding on a worker thread; the UI asks for frames and receives QImages."""

from __future__ import annotations

import logging
import threading

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtGui import QImage

log = logging.getLogger(__name__)


def rgb_to_qimage(frame: np.ndarray) -> QImage:
    """H×W×3 uint8 RGB → a QImage that owns a copy of the pixels."""
    frame = np.ascontiguousarray(frame[..., :3])
    h, w = frame.shape[:2]
    return QImage(frame.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class _DecodeJob(QObject):
    frame_ready = Signal(int, object)  # frame_index, H×W×3 uint8 RGB
    failed = Signal(str)

    def __init__(self, source) -> None:
        super().__init__()
        self._source = source
        self._lock = threading.Lock()
        self._wanted: int | None = None

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
            frame = self._source.read(index)
        except Exception as exc:  # decoding errors become a status message, never a crash
            log.exception("decode failed")
            self.failed.emit(f"Could not decode frame {index}: {exc}")
            return
        self.frame_ready.emit(index, frame)


class FrameDecoder(QObject):
    """Decodes the latest requested frame on its own QThread (older requests are dropped)."""

    frame_ready = Signal(int, object)
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
        self._job.frame_ready.connect(self.frame_ready)
        self._job.failed.connect(self.failed)
        self._thread.start()

    def request(self, frame_index: int) -> None:
        self._job.want(frame_index)
        self._kick.emit()

    def stop(self) -> None:
        self._thread.quit()
        self._thread.wait()
