"""Download a SAM 2 checkpoint with progress and cancel (on a pool thread)."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QProgressBar, QVBoxLayout

from editor.workers.task import run_in_background


class DownloadCancelled(Exception):
    """Raised from the progress callback to stop the transfer (the .part file is kept)."""


class _Relay(QObject):
    progress = Signal(object)


class DownloadDialog(QDialog):
    """Starts at once; accepted when the checkpoint is installed and verified."""

    def __init__(self, name: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Downloading {name}")
        self.label = QLabel(f"Downloading {name}…")
        self.bar = QProgressBar()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.cancel)
        lay = QVBoxLayout(self)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        lay.addWidget(self.buttons)
        self.setMinimumWidth(420)
        self._cancel = threading.Event()
        self._relay = _Relay(self)
        self._relay.progress.connect(self._show)
        self.error: str | None = None
        self._task = run_in_background(lambda: self._run(name), self._done, self._failed, self)

    def _run(self, name: str):
        from segmentation.weights import download_checkpoint

        def progress(p) -> None:
            if self._cancel.is_set():
                raise DownloadCancelled("download cancelled")
            self._relay.progress.emit(p)

        return download_checkpoint(name, progress=progress)

    def _show(self, p) -> None:
        total = p.total_bytes or 0
        self.bar.setRange(0, max(1, total // 2**20))
        self.bar.setValue(p.done_bytes // 2**20)
        eta = "" if p.eta_s is None else f", about {p.eta_s:.0f} s left"
        self.label.setText(f"{p.done_bytes / 2**20:.0f} / {total / 2**20:.0f} MB at "
                           f"{p.speed_bps / 2**20:.1f} MB/s{eta}")

    def cancel(self) -> None:
        self._cancel.set()
        self.reject()

    def _done(self, _path) -> None:
        self.accept()

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, DownloadCancelled):
            return
        self.error = str(exc)
        self.label.setText(f"Download failed: {exc}")
        self.bar.hide()
