"""The viewer: current frame, per-object mask overlays, click points, zoom fit / 100 %."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QWidget

from editor.workers.decode import rgb_to_qimage


@dataclass(frozen=True)
class ViewPoint:
    """A prompt point in frame pixels (x right, y down); label 1 include, 0 exclude."""

    x: float
    y: float
    label: int


class Viewer(QWidget):
    """Shows one frame; emits ``point_clicked(x, y, label)`` in frame pixel coordinates.

    Left click = include, right click or Alt+left = exclude.
    """

    point_clicked = Signal(float, float, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 180)
        self.setMouseTracking(True)
        self._image: QImage | None = None
        self._overlays: list[QImage] = []
        self._points: list[ViewPoint] = []
        self.fit = True
        self.zoom = 1.0

    # -------------------------------------------------------------- content
    def set_frame(self, frame: np.ndarray) -> None:
        """``frame``: H×W×3 uint8 RGB."""
        self._image = rgb_to_qimage(frame)
        self.update()

    def set_overlays(self, masks: list[tuple[np.ndarray, tuple[int, int, int], float]]) -> None:
        """``masks``: (H×W bool mask, RGB colour, opacity 0..1) per visible object."""
        self._overlays = []
        for mask, rgb, opacity in masks:
            h, w = mask.shape
            rgba = np.zeros((h, w, 4), np.uint8)
            rgba[mask] = (*rgb, int(255 * opacity))
            self._overlays.append(
                QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy())
        self.update()

    def set_points(self, points: list[ViewPoint]) -> None:
        self._points = list(points)
        self.update()

    def has_frame(self) -> bool:
        return self._image is not None

    # -------------------------------------------------------------- geometry
    def image_rect(self) -> QRectF:
        """Where the frame is drawn, in widget coordinates."""
        if self._image is None:
            return QRectF()
        iw, ih = self._image.width(), self._image.height()
        scale = min(self.width() / iw, self.height() / ih) if self.fit else self.zoom
        w, h = iw * scale, ih * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def to_frame(self, pos: QPointF) -> QPointF | None:
        r = self.image_rect()
        if self._image is None or not r.contains(pos):
            return None
        sx = self._image.width() / r.width()
        return QPointF((pos.x() - r.x()) * sx, (pos.y() - r.y()) * sx)

    def to_widget(self, x: float, y: float) -> QPointF:
        r = self.image_rect()
        s = r.width() / self._image.width()
        return QPointF(r.x() + x * s, r.y() + y * s)

    # -------------------------------------------------------------- events
    def mousePressEvent(self, event: QMouseEvent) -> None:
        pt = self.to_frame(event.position())
        if pt is None:
            return
        alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        if event.button() == Qt.MouseButton.RightButton or (
                event.button() == Qt.MouseButton.LeftButton and alt):
            self.point_clicked.emit(pt.x(), pt.y(), 0)
        elif event.button() == Qt.MouseButton.LeftButton:
            self.point_clicked.emit(pt.x(), pt.y(), 1)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(24, 24, 27))
        if self._image is None:
            p.setPen(QColor(150, 150, 160))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No video")
            return
        r = self.image_rect()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.drawImage(r, self._image)
        for ov in self._overlays:
            p.drawImage(r, ov)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        for pt in self._points:
            c = self.to_widget(pt.x, pt.y)
            colour = QColor(60, 220, 90) if pt.label else QColor(235, 60, 60)
            p.setPen(QPen(QColor(255, 255, 255), 2))
            p.setBrush(colour)
            p.drawEllipse(c, 6, 6)
