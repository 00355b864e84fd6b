"""The viewer hook: action, hover/click/Esc through an event filter on a plain widget."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from editor.proposals import ProposalController  # noqa: E402
from editor.proposals.hook import ProposalInputFilter, make_find_objects_action  # noqa: E402
from segmentation.proposals.known_masks import KnownMasksDecoder  # noqa: E402

H, W = 120, 160


def test_widget_hook_hover_click_and_escape(qtbot):
    square = np.zeros((H, W), bool)
    square[20:80, 30:100] = True
    frame = np.zeros((H, W, 3), np.uint8)
    frame[square] = 200
    created: list[tuple[int, np.ndarray]] = []
    controller = ProposalController(lambda: KnownMasksDecoder([square]),
                                    lambda i, m: created.append((i, m)),
                                    options={"points_per_side": 8})
    widget = QWidget()
    widget.resize(2 * W, 2 * H)
    widget.setMouseTracking(True)
    qtbot.addWidget(widget)
    widget.installEventFilter(ProposalInputFilter(
        controller, lambda p: (p.x() / 2.0, p.y() / 2.0), widget))  # widget shows the frame ×2
    action = make_find_objects_action(
        widget, controller, lambda: controller.find_objects(frame, frame_index=5))
    widget.addAction(action)
    widget.show()

    with qtbot.waitSignal(controller.changed, timeout=20000):
        action.trigger()
    assert len(controller.overlay.proposals) == 1 and action.isEnabled()

    qtbot.mouseMove(widget, QPoint(2 * 60, 2 * 50))
    qtbot.waitUntil(lambda: controller.overlay.hovered == 0, timeout=2000)
    qtbot.keyClick(widget, Qt.Key.Key_Escape)
    assert not controller.active

    with qtbot.waitSignal(controller.changed, timeout=20000):
        action.trigger()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(2 * 5, 2 * 5))  # background
    assert created == [] and controller.active
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(2 * 60, 2 * 50))
    assert len(created) == 1 and created[0][0] == 5 and np.array_equal(created[0][1], square)
    controller.shutdown()
