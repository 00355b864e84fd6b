"""The timeline dock content: a zoomable, horizontally scrolling canvas kept in sync with the
project (lanes rebuilt from the masklet store, throttled while tracking)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from editor.timeline.model import lanes_from_project
from editor.timeline.widget import TimelineCanvas
from editor.workers.decode import rgb_to_qimage
from editor.workers.task import run_in_background

THUMB_COUNT = 40
THUMB_H_PX = 40


def make_thumbnails(open_source, count: int = THUMB_COUNT) -> list[tuple[int, np.ndarray]]:
    """Evenly spaced small RGB frames ``(frame_index, h×w×3 uint8)``; runs off the UI thread."""
    import cv2

    source = open_source()
    try:
        n = len(source)
        out = []
        for f in sorted({int(i) for i in np.linspace(0, n - 1, min(count, n))}):
            frame = source.read(f)
            h, w = frame.shape[:2]
            out.append((f, cv2.resize(frame, (max(1, w * THUMB_H_PX // h), THUMB_H_PX),
                                      interpolation=cv2.INTER_AREA)))
        return out
    finally:
        if hasattr(source, "close"):
            source.close()


class TimelineView(QWidget):
    frame_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = TimelineCanvas()
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.canvas)
        self.scroll.setWidgetResizable(True)
        self.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.scroll)
        self.canvas.frame_changed.connect(self.frame_changed)
        self.canvas.zoom_requested.connect(lambda f: self.zoom(f))
        self._project = None
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(60)
        self._refresh.timeout.connect(self.refresh_lanes)
        self._thumb_task = None
        self._fit = True  # zoomed to fit: stays fitted when the panel is resized or shown

    def set_project(self, project, num_frames: int, fps, open_source=None,
                    frame_time=None) -> None:
        self._project = project
        self.canvas.set_clip(num_frames, fps, frame_time)
        self.refresh_lanes()
        self.canvas.set_range(project.in_frame, project.out_frame)
        self.zoom_fit()
        if open_source is not None:
            self._thumb_task = run_in_background(
                lambda: make_thumbnails(open_source), self._set_thumbs, lambda e: None, self)

    def _set_thumbs(self, thumbs) -> None:
        self.canvas.thumbnails = [(f, rgb_to_qimage(img)) for f, img in thumbs]
        self.canvas.update()

    def schedule_refresh(self) -> None:
        if not self._refresh.isActive():
            self._refresh.start()

    def refresh_lanes(self) -> None:
        if self._project is not None:
            self.canvas.set_lanes(lanes_from_project(self._project))

    def lanes(self):
        return self.canvas.lanes

    def thumbnails(self) -> list[tuple[int, QImage]]:
        return self.canvas.thumbnails

    def zoom(self, factor: float) -> None:
        self._fit = False
        self.canvas.set_zoom(self.canvas.px_per_frame * factor)
        self.ensure_visible(self.canvas.current)

    def zoom_fit(self) -> None:
        self._fit = True
        width = max(100, self.scroll.viewport().width() - 4)
        self.canvas.set_zoom(width / max(1, self.canvas.num_frames))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if self._fit:  # after the layout has resized the scroll area's viewport
            QTimer.singleShot(0, self, self._refit)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._fit:
            QTimer.singleShot(0, self, self._refit)

    def _refit(self) -> None:
        if self._fit:
            self.zoom_fit()

    def ensure_visible(self, frame_index: int) -> None:
        x = int(self.canvas.x_of(frame_index))
        self.scroll.ensureVisible(x, 0, 60, 0)
