"""The viewer: current frame, per-object mask overlays, prompt points, box drag, brush.

Coordinates: signals carry source-frame pixels (x right, y down, origin top-left).
Mouse: left click = include point, right click or Alt+left = exclude point, left drag = box,
click on an existing point = remove it. In brush/eraser mode left drag paints the current
object's mask; the stroke ends with ``mask_painted``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPen, QTransform
from PySide6.QtWidgets import QWidget

from editor.workers.decode import FrameBundle, rgb_to_qimage

DRAG_THRESHOLD_PX = 6
#: A drag thinner than this (frame pixels) in either direction is a click, not a box.
MIN_BOX_PX = 2.0
POINT_HIT_PX = 9


@dataclass(frozen=True)
class ViewPoint:
    """A prompt point in frame pixels; label 1 include, 0 exclude."""

    x: float
    y: float
    label: int


@dataclass(frozen=True)
class OverlayStyle:
    """How one object's mask is drawn: RGB colour, opacity 0..1, shown or hidden."""

    rgb: tuple[int, int, int]
    opacity: float = 0.5
    visible: bool = True


def halo_rgb(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """The outline's outer ring: black around light colours, white around dark ones."""
    luma = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
    return (0, 0, 0) if luma >= 100 else (255, 255, 255)


def overlay_image(alpha: np.ndarray, style: OverlayStyle) -> QImage:
    """H×W uint8 alpha → RGBA QImage tinted with the object's colour and an outline.

    The outline is the object's colour ringed outside by a contrasting halo (both about one
    screen pixel wide when the frame is fitted to the viewer), so the mask's edge stays
    visible on an object or background of the same colour (a red overlay on a red car).
    """
    h, w = alpha.shape
    rgba = np.zeros((h, w, 4), np.uint8)
    rgba[..., :3] = style.rgb
    rgba[..., 3] = (alpha.astype(np.uint16) * int(255 * style.opacity) // 255).astype(np.uint8)
    inside = (alpha >= 128).astype(np.uint8)
    width = max(1, round(max(h, w) / 960))  # about one screen pixel at a fitted view
    kernel = np.ones((2 * width + 1, 2 * width + 1), np.uint8)
    grown = cv2.dilate(inside, kernel)
    edge = (grown > 0) & (cv2.erode(inside, kernel) == 0)
    halo = (cv2.dilate(grown, kernel) > 0) & (grown == 0)
    rgba[halo] = (*halo_rgb(style.rgb), 200)
    rgba[edge] = (*style.rgb, 255)
    return QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


class Viewer(QWidget):
    point_clicked = Signal(float, float, int)
    point_removed = Signal(int)
    box_drawn = Signal(float, float, float, float)
    mask_painted = Signal(object)  # H×W bool

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 180)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.bundle: FrameBundle | None = None
        self._image: QImage | None = None
        self._preview: QImage | None = None
        self._overlays: list[QImage] = []
        self.points: list[ViewPoint] = []
        #: Extra layers painted last: ``paint(painter, image→widget QTransform)`` (proposals).
        self.layers: list = []
        self.fit = True
        self.zoom = 1.0
        self.show_effects = False
        self.tool = "prompt"  # "prompt" | "brush" | "eraser"
        self.brush_radius_px = 12
        self._press: QPointF | None = None
        self._drag: QPointF | None = None
        self._paint: np.ndarray | None = None
        self._last_stroke_pt: tuple[int, int] | None = None  # frame pixels
        self.paint_base: np.ndarray | None = None  # H×W bool mask the brush starts from

    # -------------------------------------------------------------- content
    def set_bundle(self, bundle: FrameBundle, styles: dict[int, OverlayStyle]) -> None:
        self.bundle = bundle
        self._image = rgb_to_qimage(bundle.frame)
        self._preview = None if bundle.preview is None else rgb_to_qimage(bundle.preview)
        self._overlays = [overlay_image(a, styles[o]) for o, a in bundle.masks.items()
                          if o in styles and styles[o].visible]
        self.update()

    def set_points(self, points: list[ViewPoint]) -> None:
        self.points = list(points)
        self.update()

    def has_frame(self) -> bool:
        return self._image is not None

    def frame_size(self) -> tuple[int, int]:
        """(width, height) of the source frame, (0, 0) without one."""
        return (0, 0) if self._image is None else (self._image.width(), self._image.height())

    # -------------------------------------------------------------- geometry
    def image_rect(self) -> QRectF:
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
        s = self._image.width() / r.width()
        return QPointF((pos.x() - r.x()) * s, (pos.y() - r.y()) * s)

    def to_widget(self, x: float, y: float) -> QPointF:
        r = self.image_rect()
        s = r.width() / self._image.width()
        return QPointF(r.x() + x * s, r.y() + y * s)

    def _hit_point(self, pos: QPointF) -> int | None:
        for k, p in enumerate(self.points):
            c = self.to_widget(p.x, p.y)
            if (c - pos).manhattanLength() <= POINT_HIT_PX:
                return k
        return None

    # -------------------------------------------------------------- mouse
    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self.to_frame(pos) is None:
            return
        alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        if self.tool != "prompt" and event.button() == Qt.MouseButton.LeftButton:
            w, h = self.frame_size()
            base = self.paint_base
            self._paint = (base.copy() if base is not None and base.shape == (h, w)
                           else np.zeros((h, w), bool))
            self._last_stroke_pt = None
            self._stroke(pos)
            return
        if event.button() == Qt.MouseButton.RightButton or (
                event.button() == Qt.MouseButton.LeftButton and alt):
            pt = self.to_frame(pos)
            self.point_clicked.emit(pt.x(), pt.y(), 0)
        elif event.button() == Qt.MouseButton.LeftButton:
            self._press, self._drag = pos, None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._paint is not None:
            self._stroke(pos)
        elif self._press is not None and (pos - self._press).manhattanLength() > \
                DRAG_THRESHOLD_PX:
            self._drag = pos
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._paint is not None:
            mask, self._paint, self._last_stroke_pt = self._paint, None, None
            self.mask_painted.emit(mask)
            return
        press, drag = self._press, self._drag
        self._press = self._drag = None
        if press is None:
            return
        if drag is None:
            hit = self._hit_point(press)
            if hit is not None:
                self.point_removed.emit(hit)
            else:
                pt = self.to_frame(press)
                self.point_clicked.emit(pt.x(), pt.y(), 1)
            return
        a, b = self.to_frame(press), self._clamped(drag)
        if abs(b.x() - a.x()) < MIN_BOX_PX or abs(b.y() - a.y()) < MIN_BOX_PX:
            self.point_clicked.emit(a.x(), a.y(), 1)  # a line, not a box: the press point
        else:
            self.box_drawn.emit(min(a.x(), b.x()), min(a.y(), b.y()),
                                max(a.x(), b.x()), max(a.y(), b.y()))
        self.update()

    def _clamped(self, pos: QPointF) -> QPointF:
        r = self.image_rect()
        pos = QPointF(min(max(pos.x(), r.left()), r.right() - 0.01),
                      min(max(pos.y(), r.top()), r.bottom() - 0.01))
        return self.to_frame(pos)

    def _stroke(self, pos: QPointF) -> None:
        """Paint (brush) or erase a disc at ``pos`` and a band joining it to the previous
        position, so sparse mouse events (a fast stroke, a busy machine) leave no gaps."""
        pt = self.to_frame(pos)
        if pt is None or self._paint is None:
            return
        value = 1 if self.tool == "brush" else 0
        canvas = self._paint.astype(np.uint8)
        here = (int(pt.x()), int(pt.y()))
        radius = int(self.brush_radius_px)
        cv2.circle(canvas, here, radius, value, -1)
        if self._last_stroke_pt is not None and self._last_stroke_pt != here:
            cv2.line(canvas, self._last_stroke_pt, here, value, 2 * radius + 1)
        self._last_stroke_pt = here
        self._paint = canvas.astype(bool)
        style = OverlayStyle((255, 255, 255), 0.45)
        self._overlays = [overlay_image(self._paint.astype(np.uint8) * 255, style)]
        self.update()

    # -------------------------------------------------------------- painting
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(18, 18, 20))
        if self._image is None:
            p.setPen(QColor(150, 150, 160))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No video")
            return
        r = self.image_rect()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if self.show_effects and self._preview is not None:
            p.drawImage(r, self._preview)
            return
        p.drawImage(r, self._image)
        for ov in self._overlays:
            p.drawImage(r, ov)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        for pt in self.points:
            c = self.to_widget(pt.x, pt.y)
            p.setPen(QPen(QColor(255, 255, 255), 2))
            p.setBrush(QColor(60, 200, 90) if pt.label else QColor(230, 60, 60))
            p.drawEllipse(c, 6, 6)
        if self.layers:
            transform = QTransform(r.width() / self._image.width(), 0, 0,
                                   r.height() / self._image.height(), r.x(), r.y())
            for layer in self.layers:
                layer(p, transform)
        if self._press is not None and self._drag is not None:
            p.setPen(QPen(QColor(255, 200, 0), 2, Qt.PenStyle.DashLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(self._press, self._drag).normalized())
