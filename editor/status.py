"""Status bar: engine/model, device, position (timecode + frame), memory, progress."""

from __future__ import annotations

import os

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget


def resident_memory_bytes() -> int:
    """Resident set size of this process (Linux /proc; 0 where unknown)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(200)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.model_label = QLabel("Model: —")
        self.device_label = QLabel("Device: —")
        self.position_label = QLabel("--:--:--:--")
        self.memory_label = QLabel("")
        for w in (self.progress, self.model_label, self.device_label, self.position_label,
                  self.memory_label):
            self.addPermanentWidget(w)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._update_memory)
        self._timer.start(2000)
        self._update_memory()

    def set_model(self, description: str) -> None:
        """``description`` like "SAM 2 sam2.1_hiera_tiny (cuda, bfloat16)", optionally
        followed by "; <note>" (another model stands in for the project's): the note is
        shown as a message and stays on the model label (⚠ and tooltip)."""
        description, _, note = description.partition("; ")
        note = note[:1].upper() + note[1:]
        name, _, rest = description.partition(" (")
        self.model_label.setText(f"Model: {name}" + (" ⚠" if note else ""))
        self.model_label.setToolTip(note)
        self.device_label.setText(f"Device: {rest.rstrip(')') or 'CPU'}")
        if note:
            self.showMessage(note, 20000)

    def set_position(self, tc: str, frame_index: int, num_frames: int) -> None:
        self.position_label.setText(f"{tc}   {frame_index + 1} / {num_frames}")

    def set_progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self.progress.setFormat(text)
        self.progress.show()

    def hide_progress(self) -> None:
        self.progress.hide()

    def _update_memory(self) -> None:
        rss = resident_memory_bytes()
        if rss:
            self.memory_label.setText(f"RAM {rss / 2**30:.2f} GB")
