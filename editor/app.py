"""QApplication start-up: dark theme, main window, crash-recovery offer."""

from __future__ import annotations

import sys


def make_app():
    """The QApplication with Masklet's names, Fusion style and dark palette."""
    from PySide6.QtWidgets import QApplication, QStyleFactory

    from editor.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Masklet")
    app.setOrganizationName("Masklet")
    app.setStyle(QStyleFactory.create("Fusion"))
    apply_theme(app)
    return app


def run_app(path: str | None = None) -> int:
    from editor.main_window import MainWindow
    from editor.recovery_ui import offer_recovery

    app = make_app()
    win = MainWindow()
    win.show()
    if not offer_recovery(win) and path:
        win.open_path(path)
    return app.exec()
