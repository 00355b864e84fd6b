"""The timeline: timecode ruler, playhead scrubbing, in/out, one coverage lane per object."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QWidget

RULER_H_PX = 22
LANE_H_PX = 26


def timecode(frame_index: int, fps: Fraction) -> str:
    """HH:MM:SS:FF for an integer frame index at an exact rate."""
    per_s = max(1, round(fps))
    s, f = divmod(frame_index, per_s)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return f"{h:02d}:{m:02d}:{s:02d}:{f:02d}"


@dataclass
class Lane:
    """One object's lane: per-frame presence (True present, False lost, absent = untracked)."""

    object_id: int
    name: str
    rgb: tuple[int, int, int]
    present: dict[int, bool] = field(default_factory=dict)
    prompt_frames: set[int] = field(default_factory=set)

    def coverage(self) -> int:
        """Number of frames where the object has a mask."""
        return sum(1 for v in self.present.values() if v)


class Timeline(QWidget):
    """Click or drag anywhere to move the playhead (``frame_changed``)."""

    frame_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.num_frames = 0
        self.fps = Fraction(30)
        self.current = 0
        self.in_frame: int | None = None
        self.out_frame: int | None = None
        self.lanes: list[Lane] = []
        self.setMinimumHeight(RULER_H_PX + 2 * LANE_H_PX)

    def set_clip(self, num_frames: int, fps: Fraction) -> None:
        self.num_frames, self.fps, self.current = num_frames, fps, 0
        self.in_frame = self.out_frame = None
        self.update()

    def set_lanes(self, lanes: list[Lane]) -> None:
        self.lanes = lanes
        self.setMinimumHeight(RULER_H_PX + max(2, len(lanes)) * LANE_H_PX)
        self.update()

    def set_current(self, frame_index: int) -> None:
        self.current = frame_index
        self.update()

    def x_of(self, frame_index: float) -> float:
        return frame_index * self.width() / max(1, self.num_frames)

    def frame_at(self, x: float) -> int:
        f = int(x * self.num_frames / max(1, self.width()))
        return max(0, min(self.num_frames - 1, f))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.num_frames:
            self.frame_changed.emit(self.frame_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.num_frames and event.buttons() & Qt.MouseButton.LeftButton:
            self.frame_changed.emit(self.frame_at(event.position().x()))

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(30, 30, 34))
        if not self.num_frames:
            return
        self._paint_ruler(p)
        for row, lane in enumerate(self.lanes):
            self._paint_lane(p, lane, RULER_H_PX + row * LANE_H_PX)
        if self.in_frame is not None or self.out_frame is not None:
            a = self.x_of(self.in_frame or 0)
            b = self.x_of((self.out_frame if self.out_frame is not None
                           else self.num_frames - 1) + 1)
            p.fillRect(QRectF(a, 0, b - a, 4), QColor(240, 180, 40))
        x = self.x_of(self.current + 0.5)
        p.setPen(QPen(QColor(255, 80, 80), 2))
        p.drawLine(int(x), 0, int(x), self.height())

    def _paint_ruler(self, p: QPainter) -> None:
        p.fillRect(QRectF(0, 0, self.width(), RULER_H_PX), QColor(40, 40, 46))
        p.setPen(QColor(170, 170, 180))
        per_s = max(1, round(self.fps))
        step = per_s * max(1, int(self.num_frames / per_s / max(1, self.width() / 90)) + 1)
        for f in range(0, self.num_frames, step):
            x = self.x_of(f)
            p.drawLine(int(x), RULER_H_PX - 6, int(x), RULER_H_PX)
            p.drawText(int(x) + 3, RULER_H_PX - 8, timecode(f, self.fps))

    def _paint_lane(self, p: QPainter, lane: Lane, y: int) -> None:
        p.fillRect(QRectF(0, y + 1, self.width(), LANE_H_PX - 2), QColor(44, 44, 50))
        w = self.width() / max(1, self.num_frames)
        colour = QColor(*lane.rgb)
        lost = QColor(120, 40, 40)
        for f, ok in lane.present.items():
            p.fillRect(QRectF(self.x_of(f), y + 4, w + 0.5, LANE_H_PX - 8),
                       colour if ok else lost)
        p.setPen(QPen(QColor(255, 255, 255), 1))
        p.setBrush(QColor(255, 255, 255))
        for f in lane.prompt_frames:
            x = self.x_of(f + 0.5)
            p.drawEllipse(QRectF(x - 3, y + LANE_H_PX / 2 - 3, 6, 6))
        p.drawText(4, y + LANE_H_PX - 8, lane.name)
