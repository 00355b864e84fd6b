"""QApplication start-up (placeholder window until the editor's main window lands)."""

from __future__ import annotations

import sys


def run_app(path: str | None = None) -> int:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Masklet")
    label = QLabel("Masklet — the editor window is being built. Open a video with "
                   "`python main.py info VIDEO` meanwhile.")
    label.setMinimumSize(640, 360)
    label.show()
    return app.exec()
