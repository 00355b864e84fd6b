"""The welcome page: open a video or project, recent projects, "Try a sample"."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from editor.icons import icon


class WelcomePage(QWidget):
    """Signals: ``open_requested()`` (file dialog), ``sample_requested()``,
    ``recent_requested(path)``."""

    open_requested = Signal()
    sample_requested = Signal()
    recent_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("<div style='font-size:30px; font-weight:600'>Masklet</div>"
                       "<div style='color:#a0a0aa; font-size:14px'>Click an object, watch it "
                       "tracked, apply an effect, export.</div>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        buttons = QHBoxLayout()
        self.open_button = self._button("open", "Open video or project…", self.open_requested)
        self.sample_button = self._button("sample", "Try a sample", self.sample_requested)
        buttons.addStretch()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.sample_button)
        buttons.addStretch()
        hint = QLabel("or drop a video file anywhere on this window")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setStyleSheet("color:#8a8a94")
        self.recent = QListWidget()
        self.recent.setMaximumWidth(560)
        self.recent.setMinimumWidth(420)
        self.recent.itemActivated.connect(
            lambda it: self.recent_requested.emit(it.data(Qt.ItemDataRole.UserRole)))
        self.recent.itemClicked.connect(
            lambda it: self.recent_requested.emit(it.data(Qt.ItemDataRole.UserRole)))
        recent_label = QLabel("Recent")
        recent_label.setStyleSheet("color:#a0a0aa; font-weight:600")
        lay = QVBoxLayout(self)
        lay.addStretch(2)
        lay.addWidget(title)
        lay.addSpacing(18)
        lay.addLayout(buttons)
        lay.addWidget(hint)
        lay.addSpacing(24)
        lay.addWidget(recent_label, alignment=Qt.AlignmentFlag.AlignHCenter)
        lay.addWidget(self.recent, alignment=Qt.AlignmentFlag.AlignHCenter)
        lay.addStretch(3)

    def _button(self, role: str, text: str, signal) -> QPushButton:
        b = QPushButton(icon(role), text)
        b.setMinimumSize(220, 44)
        b.clicked.connect(signal.emit)
        return b

    def set_recent(self, paths: list[str]) -> None:
        self.recent.clear()
        for p in paths:
            item = QListWidgetItem(icon("folder"), f"{Path(p).name}    —    {Path(p).parent}")
            item.setData(Qt.ItemDataRole.UserRole, p)
            item.setToolTip(p)
            self.recent.addItem(item)
        if not paths:
            item = QListWidgetItem("No recent projects yet")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent.addItem(item)
