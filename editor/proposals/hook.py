"""Hooks a :class:`ProposalController` into any viewer widget with a few lines.

* :func:`make_find_objects_action`: the toolbar/menu action ("Find objects", shortcut
  :data:`FIND_OBJECTS_SHORTCUT`), disabled while a run is busy.
* :class:`ProposalInputFilter`: an event filter for the viewer widget that turns pointer moves
  into hover, a left click on a proposal into a new object (the click is consumed, so the
  viewer does not also treat it as a prompt) and Esc into dismiss. The viewer supplies
  ``to_image(QPointF) -> (x, y)`` mapping widget coordinates to image pixels.
The viewer still paints ``controller.overlay.paint(painter, image_to_widget_transform)`` at the
end of its paint and calls ``update()`` on ``controller.changed``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QAction, QKeySequence

from editor.proposals.controller import ProposalController

#: Default shortcut of "Find objects".
FIND_OBJECTS_SHORTCUT = "Ctrl+Shift+F"

ToImage = Callable[[QPointF], "tuple[float, float] | None"]


def make_find_objects_action(
    parent: QObject, controller: ProposalController, trigger: Callable[[], None]
) -> QAction:
    """The "Find objects" action; ``trigger`` should call ``controller.find_objects(frame, i)``
    with the viewer's current frame. Disabled while the controller is busy."""
    action = QAction("Find objects", parent)
    action.setShortcut(QKeySequence(FIND_OBJECTS_SHORTCUT))
    action.setToolTip(f"Propose every object on this frame; click one to add it "
                      f"({FIND_OBJECTS_SHORTCUT}, Esc closes)")
    action.triggered.connect(lambda _checked=False: trigger())
    controller.busy_changed.connect(lambda busy: action.setEnabled(not busy))
    return action


class ProposalInputFilter(QObject):
    """Event filter routing a viewer widget's mouse/keyboard input to the controller.

    Install with ``widget.installEventFilter(ProposalInputFilter(controller, to_image, widget))``
    (and ``widget.setMouseTracking(True)`` for hover without a pressed button).
    """

    def __init__(self, controller: ProposalController, to_image: ToImage,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._to_image = to_image

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        controller = self._controller
        if not controller.active:
            return False
        kind = event.type()
        if kind == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
            controller.dismiss()
            return True
        if kind == QEvent.Type.MouseMove:
            point = self._to_image(event.position())
            if point is not None:
                controller.hover(*point)
            return False
        if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            point = self._to_image(event.position())
            return point is not None and controller.click(*point)
        return False
