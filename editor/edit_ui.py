"""Edit and Objects menus: undo/redo, in/out points, clearing a frame's prompts, adding,
deleting and hiding objects, and the viewer's tool (click, brush, eraser)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from editor.model import commands as cmd
from editor.panels.objects import ObjectsPanel
from editor.session import Session
from editor.status import StatusBar
from editor.view_state import ViewState
from editor.viewer import Viewer

TOOLS = ("prompt", "brush", "eraser")


class EditHost(Protocol):
    """What the controller needs from the window."""

    session: Session
    view: ViewState
    status: StatusBar
    viewer: Viewer
    objects_panel: ObjectsPanel
    actions_: Mapping[str, QAction]


class EditController(QObject):
    """Document edits through undoable model commands, and the tool choice."""

    def __init__(self, host: EditHost) -> None:
        super().__init__(host)  # type: ignore[arg-type]
        self._host = host

    @property
    def _project(self):
        return self._host.session.project

    def _execute(self, command_of) -> None:
        """Run ``command_of(project)`` when a project is open."""
        if self._project is not None:
            self._host.session.execute(command_of(self._project))

    # ------------------------------------------------------------------ edit
    def on_undo(self) -> None:
        if self._project is not None:
            self._project.undo_stack.undo()

    def on_redo(self) -> None:
        if self._project is not None:
            self._project.undo_stack.redo()

    def on_set_in(self) -> None:
        self.set_range(self._host.view.frame_index, None, keep="out")

    def on_set_out(self) -> None:
        self.set_range(None, self._host.view.frame_index + 1, keep="in")

    def on_clear_range(self) -> None:
        self._execute(lambda p: cmd.SetRange(p, 0, None))

    def set_range(self, in_frame: int | None, out_frame: int | None, keep: str) -> None:
        """New in/out points (None: unchanged); when they cross, the point named by
        ``keep`` ("in" or "out") stays and the other is cleared."""
        project = self._project
        if project is None:
            return
        in_frame = project.in_frame if in_frame is None else in_frame
        out_frame = project.out_frame if keep == "out" and out_frame is None else out_frame
        if out_frame is not None and out_frame <= in_frame:
            if keep == "out":
                out_frame = None
            else:
                in_frame = 0
        self._host.session.execute(cmd.SetRange(project, in_frame, out_frame))

    def on_clear_frame_prompts(self) -> None:
        view = self._host.view
        if view.current_object is not None:
            self._execute(lambda p: cmd.ClearFramePrompts(p, view.current_object,
                                                          view.frame_index))

    # ------------------------------------------------------------------ objects
    def on_add_object(self) -> None:
        oid = self._host.objects_panel.add_object()
        if oid is not None:
            self._host.view.current_object = oid
            self._host.status.showMessage("Click the object in the viewer (right-click "
                                          "excludes)", 5000)

    def on_delete_object(self) -> None:
        self._host.objects_panel.delete_object()

    def on_toggle_object(self) -> None:
        self._host.objects_panel.toggle_visible()

    # ------------------------------------------------------------------ tools
    def _tool(self, name: str, on: bool) -> None:
        actions = self._host.actions_
        if not on:
            if not any(actions[f"tool_{k}"].isChecked() for k in TOOLS):
                actions[f"tool_{name}"].setChecked(True)
            return
        for other in TOOLS:
            if other != name:
                actions[f"tool_{other}"].setChecked(False)
        self._host.viewer.tool = name

    def on_tool_prompt(self, on: bool) -> None:
        self._tool("prompt", on)

    def on_tool_brush(self, on: bool) -> None:
        self._tool("brush", on)

    def on_tool_eraser(self, on: bool) -> None:
        self._tool("eraser", on)
