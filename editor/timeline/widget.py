"""The timeline widget: ruler, thumbnails, lanes (coverage, lost, confidence, prompts),
in/out range and playhead. Click/drag scrubs; Ctrl+wheel zooms."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from functools import partial

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPen, QPolygonF, QWheelEvent
from PySide6.QtWidgets import QWidget

from editor.timeline.model import LaneData, runs
from rendering.timebase import frame_to_seconds, timecode_at

RULER_H_PX = 24
THUMBS_H_PX = 44
LANE_H_PX = 34
HEADER_W_PX = 0


class TimelineCanvas(QWidget):
    """Signals: ``frame_changed(frame_index)`` when the user scrubs; ``zoom_requested(factor)``."""

    frame_changed = Signal(int)
    zoom_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.num_frames = 0
        self.fps = Fraction(30)
        self.frame_time: Callable[[int], Fraction] = partial(frame_to_seconds, fps=self.fps)
        self.current = 0
        self.in_frame = 0
        self.out_frame: int | None = None
        self.lanes: list[LaneData] = []
        self.thumbnails: list[tuple[int, QImage]] = []
        self.px_per_frame = 4.0
        self.selected_object: int | None = None
        self._update_size()

    # ------------------------------------------------------------------ state
    def set_clip(self, num_frames: int, fps: Fraction,
                 frame_time: Callable[[int], Fraction] | None = None) -> None:
        """``frame_time``: the source time (s) of a frame index (exact on variable-rate clips);
        index/fps when None."""
        self.num_frames, self.fps, self.current = num_frames, Fraction(fps), 0
        self.frame_time = frame_time or partial(frame_to_seconds, fps=self.fps)
        self.thumbnails = []
        self._update_size()

    def set_lanes(self, lanes: list[LaneData]) -> None:
        self.lanes = lanes
        self._update_size()

    def set_current(self, frame_index: int) -> None:
        self.current = frame_index
        self.update()

    def set_range(self, in_frame: int, out_frame: int | None) -> None:
        self.in_frame, self.out_frame = in_frame, out_frame
        self.update()

    def set_zoom(self, px_per_frame: float) -> None:
        self.px_per_frame = float(min(64.0, max(0.05, px_per_frame)))
        self._update_size()

    def _update_size(self) -> None:
        self.setMinimumHeight(RULER_H_PX + THUMBS_H_PX + max(1, len(self.lanes)) * LANE_H_PX)
        self.setMinimumWidth(int(self.num_frames * self.px_per_frame) + 2)
        self.update()

    # ------------------------------------------------------------------ geometry
    def x_of(self, frame_index: float) -> float:
        return frame_index * self.px_per_frame

    def frame_at(self, x: float) -> int:
        return max(0, min(self.num_frames - 1, int(x / self.px_per_frame)))

    # ------------------------------------------------------------------ input
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.num_frames and event.button() == Qt.MouseButton.LeftButton:
            self.frame_changed.emit(self.frame_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.num_frames and event.buttons() & Qt.MouseButton.LeftButton:
            self.frame_changed.emit(self.frame_at(event.position().x()))

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_requested.emit(1.25 if event.angleDelta().y() > 0 else 0.8)
            event.accept()
        else:
            event.ignore()

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(26, 26, 30))
        if not self.num_frames:
            return
        self._paint_ruler(p)
        self._paint_thumbs(p)
        for row, lane in enumerate(self.lanes):
            self._paint_lane(p, lane, RULER_H_PX + THUMBS_H_PX + row * LANE_H_PX)
        self._paint_range(p)
        x = self.x_of(self.current) + self.px_per_frame / 2
        p.setPen(QPen(QColor(255, 70, 70), 2))
        p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.setBrush(QColor(255, 70, 70))
        p.drawPolygon(QPolygonF([QPointF(x - 6, 0), QPointF(x + 6, 0), QPointF(x, 8)]))

    def _paint_ruler(self, p: QPainter) -> None:
        p.fillRect(QRectF(0, 0, self.width(), RULER_H_PX), QColor(40, 40, 46))
        p.setPen(QColor(165, 165, 175))
        per_s = max(1, round(self.fps))
        label_every = per_s
        while label_every * self.px_per_frame < 110:
            label_every *= 2
        # A labelled tick every label_every frames, three minor ticks between (they need
        # not fall on whole frames: label_every is rarely a multiple of 4).
        minor_px = label_every * self.px_per_frame / 4
        for f in range(0, self.num_frames, label_every):
            x = self.x_of(f)
            p.drawLine(QPointF(x, RULER_H_PX - 10), QPointF(x, RULER_H_PX))
            p.drawText(QPointF(x + 3, RULER_H_PX - 11), timecode_at(self.frame_time(f), self.fps))
            for k in (1, 2, 3):
                xm = x + k * minor_px
                if xm < self.x_of(self.num_frames):
                    p.drawLine(QPointF(xm, RULER_H_PX - 4), QPointF(xm, RULER_H_PX))

    def _paint_thumbs(self, p: QPainter) -> None:
        y = RULER_H_PX
        p.fillRect(QRectF(0, y, self.width(), THUMBS_H_PX), QColor(20, 20, 22))
        if not self.thumbnails:
            return
        tw = self.thumbnails[0][1].width() * (THUMBS_H_PX - 4) / max(
            1, self.thumbnails[0][1].height())
        x = 0.0
        while x < self.x_of(self.num_frames):
            f = self.frame_at(x + tw / 2)
            _, img = min(self.thumbnails, key=lambda t: abs(t[0] - f))
            p.drawImage(QRectF(x, y + 2, tw, THUMBS_H_PX - 4), img)
            x += tw + 1

    def _paint_lane(self, p: QPainter, lane: LaneData, y: float) -> None:
        selected = lane.object_id == self.selected_object
        p.fillRect(QRectF(0, y + 1, self.width(), LANE_H_PX - 2),
                   QColor(50, 50, 58) if selected else QColor(38, 38, 44))
        colour = QColor(*lane.rgb)
        colour.setAlpha(200 if lane.visible else 70)
        for a, b in runs(lane.covered):
            p.fillRect(QRectF(self.x_of(a), y + 6, self.x_of(b + 1) - self.x_of(a),
                              LANE_H_PX - 12), colour)
        for a, b in runs(lane.lost):
            p.fillRect(QRectF(self.x_of(a), y + LANE_H_PX - 8, self.x_of(b + 1) -
                              self.x_of(a), 4), QColor(220, 60, 60))
        for a, b in runs(lane.doubtful):  # "check this frame"
            p.fillRect(QRectF(self.x_of(a), y + 1, self.x_of(b + 1) - self.x_of(a), 4),
                       QColor(240, 170, 30))
        self._paint_confidence(p, lane, y)
        p.setPen(QPen(QColor(20, 20, 20), 1))
        p.setBrush(QColor(255, 255, 255))
        for f in lane.prompt_frames:
            cx, cy = self.x_of(f) + self.px_per_frame / 2, y + LANE_H_PX / 2
            p.drawPolygon(QPolygonF([QPointF(cx, cy - 6), QPointF(cx + 5, cy),
                                     QPointF(cx, cy + 6), QPointF(cx - 5, cy)]))
        p.setPen(QColor(235, 235, 240))
        p.drawText(QPointF(6, y + 15), lane.name)

    def _paint_confidence(self, p: QPainter, lane: LaneData, y: float) -> None:
        if len(lane.frames) < 2:
            return
        order = np.argsort(lane.frames)
        conf = 1.0 / (1.0 + np.exp(-np.clip(lane.scores[order], -30, 30)))
        top, h = y + 6, LANE_H_PX - 12
        pts = [QPointF(self.x_of(f) + self.px_per_frame / 2, top + (1 - c) * h)
               for f, c in zip(lane.frames[order], conf, strict=True)]
        p.setPen(QPen(QColor(255, 255, 255, 170), 1))
        p.drawPolyline(QPolygonF(pts))

    def _paint_range(self, p: QPainter) -> None:
        end = self.num_frames if self.out_frame is None else self.out_frame
        if self.in_frame == 0 and end == self.num_frames:
            return
        shade = QColor(0, 0, 0, 110)
        p.fillRect(QRectF(0, RULER_H_PX, self.x_of(self.in_frame), self.height()), shade)
        p.fillRect(QRectF(self.x_of(end), RULER_H_PX, self.width(), self.height()), shade)
        p.fillRect(QRectF(self.x_of(self.in_frame), RULER_H_PX - 4,
                          self.x_of(end) - self.x_of(self.in_frame), 4), QColor(240, 170, 30))
