"""Help ▸ User guide, Keyboard shortcuts, About; showing a file in the system's browser."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from editor.actions import SPECS

MOUSE_ROWS = (("Left click", "include point"), ("Right / Alt+click", "exclude point"),
              ("Drag", "box prompt"), ("Click a point", "remove it"),
              ("Ctrl+wheel", "timeline zoom"))


def show_in_folder(path: Path) -> None:
    """Open the folder holding ``path`` (or ``path`` itself when it is a folder)."""
    folder = path if path.is_dir() else path.parent
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class HelpController(QObject):
    """The Help menu; ``show_error(title, text)`` reports a guide missing from the install."""

    def __init__(self, parent: QWidget, show_error: Callable[[str, str], None]) -> None:
        super().__init__(parent)
        self._parent = parent
        self._show_error = show_error
        self.user_guide = None  # the guide's window, kept once opened

    def on_shortcuts(self) -> None:
        rows = [(s.shortcut, s.text.replace("&", "")) for s in SPECS if s.shortcut]
        table = "".join(f"<tr><td><b>{key}</b></td><td>{what}</td></tr>"
                        for key, what in (*rows, *MOUSE_ROWS))
        QMessageBox.information(self._parent, "Keyboard shortcuts", f"<table>{table}</table>")

    def on_about(self) -> None:
        from editor.dialogs.about import AboutDialog

        AboutDialog(self._parent).exec()

    def on_user_guide(self) -> None:
        """The guide in a window of its own (no Markdown viewer needed; one is kept)."""
        from editor.branding import user_guide_path
        from editor.dialogs.user_guide import UserGuideDialog

        path = user_guide_path()
        if path is None:
            self._show_error("User guide", "docs/user-guide.md is not part of this "
                             "installation — reinstall Masklet, or read it on the project "
                             "page.")
            return
        if self.user_guide is None:
            self.user_guide = UserGuideDialog(path, self._parent)
        self.user_guide.show()
        self.user_guide.raise_()
        self.user_guide.activateWindow()
