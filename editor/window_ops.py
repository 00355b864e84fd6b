"""Main-window commands that are not layout: files, tracking, objects, export, help.

Mixed into :class:`editor.main_window.MainWindow` (kept apart to keep files small)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox

from editor.model import commands as cmd
from editor.model.prompts import BoxPrompt, ClearPrompts, PointPrompt, effective_actions
from editor.viewer import ViewPoint

log = logging.getLogger(__name__)
MAX_RECENT = 10


def points_on_frame(project, object_id: int, frame_index: int) -> list[ViewPoint]:
    """The clicks the engine currently uses for an object on a frame."""
    try:
        history = project.object(object_id).prompts.get(frame_index, [])
    except KeyError:
        return []
    return [ViewPoint(a.x, a.y, a.label) for a in effective_actions(history) if isinstance(a, PointPrompt)]


def remove_point(session, object_id: int, frame_index: int, index: int) -> None:
    """Remove the ``index``-th shown click: one undo step (clear + re-add the others)."""
    project = session.project
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


class WindowOps:
    """Handlers ``on_<action>`` and helpers used by the main window."""

    # ------------------------------------------------------------------ files
    def open_sample(self) -> None:
        from editor.sample import sample_clip_path
        from editor.workers.task import run_in_background

        self.status.showMessage("Preparing the sample clip…")
        self._sample_task = run_in_background(
            sample_clip_path, lambda p: self.open_path(str(p)),
            lambda e: self.show_error("Sample", str(e)), self)

    def save_to(self, path: Path) -> bool:
        try:
            self.session.save(path)
        except Exception as exc:  # disk full, permissions: the project stays open, unsaved
            self.show_error("Save failed", str(exc))
            return False
        self.autosave.saved()
        self._remember(str(path))
        self.status.showMessage(f"Saved {path}", 4000)
        return True

    def ask_relink(self, project_path: str, message: str) -> None:
        """The project's clip is missing or changed: offer to choose it, then reopen the
        project with it (``Project.relink`` checks that it matches)."""
        from PySide6.QtWidgets import QFileDialog

        why = message.split(" — ")[0]
        answer = QMessageBox.question(self, "Relink the clip",
                                      f"{why}.\n\nChoose the project's clip now?")
        if answer != QMessageBox.StandardButton.Yes:
            self.status.showMessage(f"Not opened: {why}", 8000)
            return
        clip, _ = QFileDialog.getOpenFileName(self, "Choose the project's clip",
                                              str(Path(project_path).parent))
        if clip:
            self.session.open_path(project_path, relink_to=clip)

    def maybe_save(self) -> bool:
        """Ask to save unsaved changes; False when the user cancels."""
        project = self.session.project
        restored = self.autosave.restored_entry is not None
        if project is None or not (project.dirty or restored):
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", "Save the changes to this project first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard |
            QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.on_save()
        if answer != QMessageBox.StandardButton.Discard:
            return False
        self.autosave.drop_restored()  # the user let restored work go: not offered again
        return True

    def close_project(self, final: bool = False) -> None:
        self.player.stop()
        self.proposals.dismiss()
        self.session.close()
        if self.decoder is not None:
            self.decoder.stop()
            self.decoder = None
        if not final:
            self._set_has_project(False)
            self._refresh_panels()
            self.stack.setCurrentWidget(self.welcome)
            self._update_title()

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent", []) or []
        return [str(v) for v in ([value] if isinstance(value, str) else value)]

    def _remember(self, path: str) -> None:
        items = [path] + [p for p in self.recent_files() if p != path]
        self.settings.setValue("recent", items[:MAX_RECENT])
        self._refresh_recent()

    def _refresh_recent(self) -> None:
        recent = [p for p in self.recent_files() if Path(p).exists()]
        self.welcome.set_recent(recent)
        self.recent_menu.clear()
        for p in recent:
            self.recent_menu.addAction(Path(p).name, lambda p=p: self.open_path(p))
        self.recent_menu.setEnabled(bool(recent))

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt override)
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            event.acceptProposedAction()
            self.open_path(urls[0].toLocalFile())

    # ------------------------------------------------------------------ window state
    def _set_has_project(self, has: bool) -> None:
        always = {"open", "sample", "quit", "shortcuts", "about", "model_settings", "user_guide"}
        for key, action in self.actions_.items():
            if key not in always:
                action.setEnabled(has)
        # The welcome page stands alone (empty panels say nothing); the panels come back as
        # the user left them when a project opens.
        shown = getattr(self, "_docks_shown", None)
        if not has and getattr(self, "_has_project", False):
            shown = {name: dock.isVisible() for name, dock in self.docks.items()}
        for name, dock in self.docks.items():
            dock.setEnabled(has)
            dock.setVisible(has and (shown or {}).get(name, True))
        self._docks_shown, self._has_project = shown, has
        self._update_undo_actions()

    def _update_title(self) -> None:
        project = self.session.project
        if project is None:
            self.setWindowTitle("Masklet")
            return
        name = (project.path.name if project.path else Path(project.source_path).name)
        # Qt shows the "[*]" placeholder as "*" while the window is modified.
        self.setWindowTitle(f"{name}[*] — Masklet")
        self.setWindowModified(project.dirty)

    def _update_undo_actions(self) -> None:
        project = self.session.project
        stack = None if project is None else project.undo_stack
        for key, can, label in (("undo", stack and stack.can_undo,
                                 stack and stack.undo_label),
                                ("redo", stack and stack.can_redo,
                                 stack and stack.redo_label)):
            action = self.actions_[key]
            action.setEnabled(bool(can))
            action.setText(f"&{key.title()} {label}" if can and label else f"&{key.title()}")

    # ------------------------------------------------------------------ view
    def on_zoom_fit(self) -> None:
        self.viewer.fit = True
        self.viewer.update()

    def on_zoom_100(self) -> None:
        self.viewer.fit, self.viewer.zoom = False, 1.0
        self.viewer.update()

    def on_timeline_zoom_in(self) -> None:
        self.timeline.zoom(1.5)

    def on_timeline_zoom_out(self) -> None:
        self.timeline.zoom(1 / 1.5)

    def on_timeline_fit(self) -> None:
        self.timeline.zoom_fit()

    def _compose(self):
        from fractions import Fraction

        from editor.frame_compose import make_compose

        return make_compose(self.session.project, self.viewer.show_effects,
                            Fraction(self.session.source.fps))

    def _play(self, rate: int) -> None:
        if self.session.project is None:
            return
        project = self.session.project
        start = self.frame_index
        end = project.out_frame or self.num_frames
        if rate > 0 and start >= end - 1:
            start = project.in_frame  # at the end: start over, like other editors
            self.seek(start)
        self.player.play(start, self._compose(), rate, end)

    def on_play_pause(self) -> None:
        if self.player.playing:
            self.player.stop()
        else:
            self._play(1)

    def on_play_forward(self) -> None:
        rate = self.player.rate
        self._play(min(8, rate * 2) if rate > 0 else 1)

    def on_play_reverse(self) -> None:
        rate = self.player.rate
        self._play(max(-8, rate * 2) if rate < 0 else -1)

    def on_stop(self) -> None:
        self.player.stop()

    def on_next_frame(self) -> None:
        self.player.stop()
        self.seek(self.frame_index + 1)

    def on_prev_frame(self) -> None:
        self.player.stop()
        self.seek(self.frame_index - 1)

    def on_go_start(self) -> None:
        self.player.stop()
        self.seek(0)

    def on_go_end(self) -> None:
        self.player.stop()
        self.seek(self.num_frames - 1)

    def set_range(self, in_frame, out_frame, keep: str) -> None:
        project = self.session.project
        if project is None:
            return
        in_frame = project.in_frame if in_frame is None else in_frame
        out_frame = project.out_frame if keep == "out" and out_frame is None else out_frame
        if out_frame is not None and out_frame <= in_frame:
            if keep == "out":
                out_frame = None
            else:
                in_frame = 0
        self.session.execute(cmd.SetRange(project, in_frame, out_frame))

    # ------------------------------------------------------------------ objects
    def on_add_object(self) -> None:
        oid = self.objects_panel.add_object()
        if oid is not None:
            self.current_object = oid
            self.status.showMessage("Click the object in the viewer (right-click excludes)", 5000)

    def on_delete_object(self) -> None:
        self.objects_panel.delete_object()

    def on_toggle_object(self) -> None:
        self.objects_panel.toggle_visible()

    def _tool(self, name: str, on: bool) -> None:
        if not on:
            if not any(self.actions_[k].isChecked() for k in
                       ("tool_prompt", "tool_brush", "tool_eraser")):
                self.actions_[f"tool_{name}"].setChecked(True)
            return
        for other in ("prompt", "brush", "eraser"):
            if other != name:
                self.actions_[f"tool_{other}"].setChecked(False)
        self.viewer.tool = name

    def on_tool_prompt(self, on: bool) -> None:
        self._tool("prompt", on)

    def on_tool_brush(self, on: bool) -> None:
        self._tool("brush", on)

    def on_tool_eraser(self, on: bool) -> None:
        self._tool("eraser", on)

    # ------------------------------------------------------------------ tracking
    def on_track(self, affected_only: bool = True) -> None:
        self.track_flow.start(affected_only)

    def on_retrack_all(self) -> None:
        self.on_track(affected_only=False)

    def on_cancel_track(self) -> None:
        """Esc: close Find objects, else stop tracking, else stop playback."""
        if self.proposals.active:
            self.proposals.dismiss()
        elif self.track_flow.cancel():
            pass
        elif self.player.playing:
            self.player.stop()

    def on_follow_tracking(self, on: bool) -> None:
        self.track_flow.set_follow(on)

    def ensure_engine_choice(self) -> bool:
        from editor.engine_choice import ensure_engine_choice

        return ensure_engine_choice(self)

    def _on_engine_failed(self, message: str) -> None:
        self.show_error("Tracking", message)

    def _on_prompt_absent(self, object_id: int, frame_index: int) -> None:
        """The engine found no object at a prompt: say so, or the click seems ignored."""
        project = self.session.project
        if project is None:
            return
        name = next((o.name for o in project.objects if o.object_id == object_id),
                    f"Object {object_id}")
        self.status.showMessage(
            f"{name}: no object found at this prompt on frame {frame_index + 1} — click "
            "inside the object, add more clicks, or draw a box around it", 10000)

    def on_model_settings(self) -> None:
        from editor.dialogs.model_settings import ModelSettingsDialog
        from editor.engine_choice import EnginePreference

        ModelSettingsDialog(self.session, self, EnginePreference(self.settings)).exec()

    # ------------------------------------------------------------------ export, help
    def on_export(self) -> None:
        from editor.dialogs.export import ExportDialog

        if self.session.project is not None:
            self.export_dialog = ExportDialog(self.session, self)
            self.export_dialog.show()

    def on_shortcuts(self) -> None:
        from editor.actions import SPECS

        rows = "".join(f"<tr><td><b>{s.shortcut}</b></td><td>{s.text.replace('&', '')}</td></tr>"
                       for s in SPECS if s.shortcut)
        extra = ("<tr><td><b>Left click</b></td><td>include point</td></tr>"
                 "<tr><td><b>Right / Alt+click</b></td><td>exclude point</td></tr>"
                 "<tr><td><b>Drag</b></td><td>box prompt</td></tr>"
                 "<tr><td><b>Click a point</b></td><td>remove it</td></tr>"
                 "<tr><td><b>Ctrl+wheel</b></td><td>timeline zoom</td></tr>")
        QMessageBox.information(self, "Keyboard shortcuts", f"<table>{rows}{extra}</table>")

    def on_about(self) -> None:
        from editor.dialogs.about import AboutDialog

        AboutDialog(self).exec()

    def on_user_guide(self) -> None:
        """The guide in a window of its own (no Markdown viewer needed; one is kept)."""
        from editor.branding import user_guide_path
        from editor.dialogs.user_guide import UserGuideDialog

        path = user_guide_path()
        if path is None:
            self.show_error("User guide", "docs/user-guide.md is not part of this "
                            "installation — reinstall Masklet, or read it on the project page.")
            return
        if getattr(self, "user_guide", None) is None:
            self.user_guide = UserGuideDialog(path, self)
        self.user_guide.show()
        self.user_guide.raise_()
        self.user_guide.activateWindow()

    @staticmethod
    def show_in_folder(path: Path) -> None:
        folder = path if path.is_dir() else path.parent
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
