"""Draws proposals as outlined regions over the frame and hit-tests the pointer.

Everything is in image pixels of the frame the proposals were made on; the viewer passes
its image→widget transform to :meth:`ProposalOverlay.paint` and maps pointer positions back
to image pixels before calling :meth:`proposal_at` / :meth:`hover`.
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence

import cv2
import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QTransform,
)

from segmentation.proposals import Proposal

_FILL_ALPHA = 110  # hovered proposal fill, 0..255


def proposal_colour(index: int) -> QColor:
    """A distinct, stable colour per proposal index (golden-ratio hue steps)."""
    r, g, b = colorsys.hsv_to_rgb((0.13 + 0.618034 * index) % 1.0, 0.75, 1.0)
    return QColor(int(r * 255), int(g * 255), int(b * 255))


def mask_outline(mask: np.ndarray) -> QPainterPath:
    """Outer and hole contours of an H×W bool mask as one odd-even path (pixel-edge coords)."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_CCOMP,
                                   cv2.CHAIN_APPROX_SIMPLE)
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    for contour in contours:
        pts = contour.reshape(-1, 2).astype(np.float64) + 0.5  # pixel centres
        path.addPolygon(QPolygonF([QPointF(x, y) for x, y in pts]))
        path.closeSubpath()
    return path


def mask_tint(mask: np.ndarray, colour: QColor) -> QImage:
    """H×W bool mask → ARGB32 premultiplied image, ``colour`` at ``_FILL_ALPHA`` inside."""
    h, w = mask.shape
    a = _FILL_ALPHA / 255.0
    rgba = np.zeros((h, w, 4), np.uint8)  # little-endian ARGB32 = B, G, R, A bytes
    rgba[mask] = (int(colour.blue() * a), int(colour.green() * a), int(colour.red() * a),
                  _FILL_ALPHA)
    image = QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_ARGB32_Premultiplied)
    return image.copy()  # own the pixels: rgba is freed on return


class ProposalOverlay:
    """Proposals of one frame, their outlines and which one the pointer is over."""

    def __init__(self) -> None:
        self.proposals: list[Proposal] = []
        self.frame_index: int | None = None
        self.hovered: int | None = None
        self._outlines: list[QPainterPath] = []
        self._tints: dict[int, QImage] = {}

    def set_proposals(self, frame_index: int | None, proposals: Sequence[Proposal]) -> None:
        """Show ``proposals`` (made on frame ``frame_index``); builds their outlines."""
        self.frame_index = frame_index
        self.proposals = list(proposals)
        self._outlines = [mask_outline(p.mask) for p in self.proposals]
        self._tints = {}
        self.hovered = None

    def clear(self) -> None:
        self.set_proposals(None, [])

    @property
    def visible(self) -> bool:
        return bool(self.proposals)

    def proposal_at(self, x: float, y: float) -> int | None:
        """Index of the smallest proposal containing image pixel ``(x, y)``, or None.

        The smallest wins so that a part inside a larger region can still be picked.
        """
        hits = [i for i, p in enumerate(self.proposals) if p.contains(x, y)]
        return min(hits, key=lambda i: (self.proposals[i].area_px, i)) if hits else None

    def hover(self, x: float, y: float) -> bool:
        """Update the hovered proposal for pointer at image pixel ``(x, y)``; True if changed."""
        index = self.proposal_at(x, y)
        changed = index != self.hovered
        self.hovered = index
        return changed

    def paint(self, painter: QPainter, view_transform: QTransform | None = None) -> None:
        """Draw every outline (2 px cosmetic pens) and fill the hovered proposal.

        ``view_transform`` maps image pixels to the painter's device coordinates (the
        viewer's zoom/pan); None means they coincide.
        """
        if not self.proposals:
            return
        painter.save()
        if view_transform is not None:
            painter.setTransform(view_transform, True)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if self.hovered is not None:
            tint = self._tints.get(self.hovered)
            if tint is None:
                tint = mask_tint(self.proposals[self.hovered].mask, proposal_colour(self.hovered))
                self._tints[self.hovered] = tint
            painter.drawImage(0, 0, tint)
        painter.setBrush(QBrush(Qt.BrushStyle.NoBrush))
        for i, path in enumerate(self._outlines):
            pen = QPen(proposal_colour(i), 3.0 if i == self.hovered else 1.5)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawPath(path)
        painter.restore()


def render_on_frame(frame: np.ndarray, overlay: ProposalOverlay, scale: float = 1.0) -> QImage:
    """The frame (H×W×3 uint8 RGB) with ``overlay`` painted on it, scaled by ``scale``.

    Offscreen (no widget): for documentation screenshots and tests. Returns an RGB32 QImage of
    ``round(W·scale) × round(H·scale)``.
    """
    h, w = frame.shape[:2]
    rgb = np.ascontiguousarray(frame)
    source = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    out_w, out_h = round(w * scale), round(h * scale)
    canvas = QImage(out_w, out_h, QImage.Format.Format_RGB32)
    painter = QPainter(canvas)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    transform = QTransform.fromScale(out_w / w, out_h / h)
    painter.setTransform(transform)
    painter.drawImage(0, 0, source)
    painter.resetTransform()
    overlay.paint(painter, transform)
    painter.end()
    return canvas
