"""``python main.py [VIDEO|PROJECT]``: QApplication start-up (dark theme), the main window,
the crash-recovery offer."""

from __future__ import annotations

import sys


def make_app():
    """The QApplication with Masklet's names, Fusion style and dark palette."""
    from PySide6.QtWidgets import QApplication, QStyleFactory

    from editor.branding import APP_ID, app_icon
    from editor.theme import apply_theme
    from editor.version import version

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Masklet")
    app.setOrganizationName("Masklet")
    app.setApplicationVersion(version())
    app.setDesktopFileName(APP_ID)  # matches resources/<APP_ID>.desktop (Wayland task bar)
    app.setWindowIcon(app_icon())
    app.setStyle(QStyleFactory.create("Fusion"))
    apply_theme(app)
    return app


def run_app(path: str | None = None, quit_after_s: float | None = None) -> int:
    """Show the editor (opening ``path``); ``quit_after_s`` closes it after that many
    seconds, a smoke test for installs and bundles (``masklet --quit-after 3``)."""
    from PySide6.QtCore import QTimer

    from editor.main_window import MainWindow
    from editor.recovery_ui import offer_recovery

    app = make_app()
    win = MainWindow()
    win.show()
    if not offer_recovery(win) and path:
        win.open_path(path)
    if quit_after_s is not None:
        QTimer.singleShot(int(quit_after_s * 1000), win.close)
    return app.exec()


def run(args) -> int:
    """``main.py`` without a sub-command: the editor, opening ``args.project``."""
    return run_app(args.project, quit_after_s=getattr(args, "quit_after", None))
