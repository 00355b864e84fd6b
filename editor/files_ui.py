"""File ▸ Open, Try a sample, Save, Save as, Open recent; saving before a project closes; the
relink question for a project whose clip is missing or changed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from editor.app.recovery import Autosave
from editor.session import Session
from editor.status import StatusBar
from editor.welcome import WelcomePage

MAX_RECENT = 10
OPEN_FILTER = ("Videos and projects (*.mp4 *.mov *.mkv *.webm *.avi *.m4v *.masklet);;"
               "All files (*)")


class FilesHost(Protocol):
    """What the controller needs from the window (also the parent of its dialogs)."""

    session: Session
    settings: QSettings
    status: StatusBar
    autosave: Autosave
    welcome: WelcomePage
    open_path: Callable[[str], None]
    show_error: Callable[[str, str], None]


class FileController(QObject):
    """Opening, saving and the recent-files list (QSettings ``recent``, ``last_dir``)."""

    def __init__(self, host: FilesHost, recent_menu: QMenu) -> None:
        super().__init__(host)  # type: ignore[arg-type]
        self._host = host
        self._recent_menu = recent_menu
        self._sample_task = None

    @property
    def _parent(self) -> QWidget:
        return self._host  # type: ignore[return-value]

    # ------------------------------------------------------------------ actions
    def on_open(self) -> None:
        settings = self._host.settings
        path, _ = QFileDialog.getOpenFileName(self._parent, "Open video or project",
                                              settings.value("last_dir", ""), OPEN_FILTER)
        if path:
            settings.setValue("last_dir", str(Path(path).parent))
            self._host.open_path(path)

    def on_sample(self) -> None:
        from editor.sample import sample_clip_path
        from editor.workers.task import run_in_background

        host = self._host
        host.status.showMessage("Preparing the sample clip…")
        self._sample_task = run_in_background(
            sample_clip_path, lambda p: host.open_path(str(p)),
            lambda e: host.show_error("Sample", str(e)), self)

    def on_save(self) -> bool:
        project = self._host.session.project
        if project is None:
            return False
        if project.path is None:
            return self.on_save_as()
        return self.save_to(project.path)

    def on_save_as(self) -> bool:
        project = self._host.session.project
        if project is None:
            return False
        default = str(Path(project.source_path).with_suffix(".masklet"))
        path, _ = QFileDialog.getSaveFileName(self._parent, "Save project", default,
                                              "Masklet projects (*.masklet)")
        if not path:
            return False
        if not path.endswith(".masklet"):
            path += ".masklet"
        return self.save_to(Path(path))

    # ------------------------------------------------------------------ saving
    def save_to(self, path: Path) -> bool:
        host = self._host
        try:
            host.session.save(path)
        except Exception as exc:  # disk full, permissions: the project stays open, unsaved
            host.show_error("Save failed", str(exc))
            return False
        host.autosave.saved()
        self.remember(str(path))
        host.status.showMessage(f"Saved {path}", 4000)
        return True

    def maybe_save(self) -> bool:
        """Ask to save unsaved changes; False when the user cancels."""
        host = self._host
        project = host.session.project
        restored = host.autosave.restored_entry is not None
        if project is None or not (project.dirty or restored):
            return True
        answer = QMessageBox.question(
            self._parent, "Unsaved changes", "Save the changes to this project first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard |
            QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.on_save()
        if answer != QMessageBox.StandardButton.Discard:
            return False
        host.autosave.drop_restored()  # the user let restored work go: not offered again
        return True

    def ask_relink(self, project_path: str, message: str) -> None:
        """The project's clip is missing or changed: offer to choose it, then reopen the
        project with it (``Project.relink`` checks that it matches)."""
        why = message.split(" — ")[0]
        answer = QMessageBox.question(self._parent, "Relink the clip",
                                      f"{why}.\n\nChoose the project's clip now?")
        if answer != QMessageBox.StandardButton.Yes:
            self._host.status.showMessage(f"Not opened: {why}", 8000)
            return
        clip, _ = QFileDialog.getOpenFileName(self._parent, "Choose the project's clip",
                                              str(Path(project_path).parent))
        if clip:
            self._host.session.open_path(project_path, relink_to=clip)

    # ------------------------------------------------------------------ recent files
    def recent_files(self) -> list[str]:
        value = self._host.settings.value("recent", []) or []
        return [str(v) for v in ([value] if isinstance(value, str) else value)]

    def remember(self, path: str) -> None:
        items = [path] + [p for p in self.recent_files() if p != path]
        self._host.settings.setValue("recent", items[:MAX_RECENT])
        self.refresh_recent()

    def refresh_recent(self) -> None:
        recent = [p for p in self.recent_files() if Path(p).exists()]
        self._host.welcome.set_recent(recent)
        menu = self._recent_menu
        menu.clear()
        for p in recent:
            menu.addAction(Path(p).name, lambda p=p: self._host.open_path(p))
        menu.setEnabled(bool(recent))
