"""The viewer's prompts: clicks, boxes and brush strokes become the selected object's prompt
actions (undoable, a new object when none is selected); the clicks that count are drawn."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject

from editor.model import commands as cmd
from editor.model.prompts import BoxPrompt, ClearPrompts, PointPrompt, effective_actions
from editor.panels.objects import ObjectsPanel
from editor.session import Session
from editor.view_state import ViewState
from editor.viewer import Viewer, ViewPoint


def points_on_frame(project, object_id: int, frame_index: int) -> list[ViewPoint]:
    """The clicks the engine currently uses for an object on a frame."""
    try:
        history = project.object(object_id).prompts.get(frame_index, [])
    except KeyError:
        return []
    return [ViewPoint(a.x, a.y, a.label) for a in effective_actions(history)
            if isinstance(a, PointPrompt)]


def remove_point(project, object_id: int, frame_index: int, index: int) -> None:
    """Remove the ``index``-th shown click: one undo step (clear + re-add the others)."""
    tail = effective_actions(project.object(object_id).prompts.get(frame_index, []))
    points = [a for a in tail if isinstance(a, PointPrompt)]
    if not 0 <= index < len(points):
        return
    keep = [a for a in tail if a is not points[index]]
    with project.undo_stack.transaction("Remove point"):
        project.execute(cmd.AddPrompt(project, object_id, frame_index, ClearPrompts()))
        for action in keep:
            if isinstance(action, PointPrompt | BoxPrompt):
                project.execute(cmd.AddPrompt(project, object_id, frame_index, action))


class PromptsHost(Protocol):
    """What the controller needs from the window."""

    session: Session
    view: ViewState
    viewer: Viewer
    objects_panel: ObjectsPanel


class PromptController(QObject):
    """Connects the viewer's prompt signals; ``ensure_engine(): bool`` runs before the first
    prompt of a clip (the engine question), False cancels the prompt."""

    def __init__(self, host: PromptsHost, ensure_engine: Callable[[], bool]) -> None:
        super().__init__(host)  # type: ignore[arg-type]
        self._host = host
        self._ensure_engine = ensure_engine
        viewer = host.viewer
        viewer.point_clicked.connect(self.on_point)
        viewer.point_removed.connect(self.on_point_removed)
        viewer.box_drawn.connect(self.on_box)
        viewer.mask_painted.connect(self.on_mask_painted)

    def _target(self) -> int | None:
        """The object a prompt goes to; a new one when none is selected."""
        host = self._host
        if host.session.project is None or not self._ensure_engine():
            return None
        if host.view.current_object is None:
            # The panel lists and selects the new object at once (ObjectAdded arrives queued).
            host.view.current_object = host.objects_panel.add_object()
        return host.view.current_object

    def on_point(self, x: float, y: float, label: int) -> None:
        oid = self._target()
        if oid is not None:
            self._host.session.add_point(oid, self._host.view.frame_index, x, y, label)

    def on_box(self, x0: float, y0: float, x1: float, y1: float) -> None:
        oid = self._target()
        if oid is not None:
            self._host.session.add_box(oid, self._host.view.frame_index, (x0, y0, x1, y1))

    def on_point_removed(self, index: int) -> None:
        view = self._host.view
        if view.current_object is not None:
            remove_point(self._host.session.project, view.current_object, view.frame_index,
                         index)

    def on_mask_painted(self, mask) -> None:
        oid = self._target()
        if oid is not None:
            self._host.session.add_mask(oid, self._host.view.frame_index, mask)

    def show_points(self) -> None:
        """Draw the selected object's clicks on the current frame."""
        project, view = self._host.session.project, self._host.view
        if project is None or view.current_object is None:
            self._host.viewer.set_points([])
            return
        self._host.viewer.set_points(points_on_frame(project, view.current_object,
                                                     view.frame_index))

    def update_paint_base(self) -> None:
        """The brush and eraser start from the selected object's mask on this frame."""
        viewer = self._host.viewer
        bundle = viewer.bundle
        alpha = None if bundle is None else bundle.masks.get(self._host.view.current_object)
        viewer.paint_base = None if alpha is None else alpha >= 128
