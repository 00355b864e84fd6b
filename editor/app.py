"""QApplication start-up: dark theme and the main window."""

from __future__ import annotations

import sys


def run_app(path: str | None = None) -> int:
    from PySide6.QtWidgets import QApplication, QStyleFactory

    from editor.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Masklet")
    app.setOrganizationName("Masklet")
    app.setStyle(QStyleFactory.create("Fusion"))
    from editor.theme import dark_palette

    app.setPalette(dark_palette())
    win = MainWindow()
    win.show()
    if path:
        win.open_video(path)
    return app.exec()
