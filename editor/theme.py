"""Dark theme (palette + a small stylesheet), close to Resolve/Kdenlive."""

from __future__ import annotations

from pathlib import Path

ACCENT = "#ff8c1a"


def dark_palette():
    from PySide6.QtGui import QColor, QPalette

    p = QPalette()
    role = QPalette.ColorRole
    for r, rgb in ((role.Window, (37, 37, 41)), (role.WindowText, (222, 222, 228)),
                   (role.Base, (28, 28, 31)), (role.AlternateBase, (44, 44, 48)),
                   (role.Text, (222, 222, 228)), (role.Button, (50, 50, 56)),
                   (role.ButtonText, (222, 222, 228)), (role.Highlight, (255, 140, 26)),
                   (role.HighlightedText, (20, 20, 20)), (role.ToolTipBase, (50, 50, 56)),
                   (role.ToolTipText, (222, 222, 228)), (role.PlaceholderText, (130, 130, 140)),
                   (role.Link, (255, 160, 60))):
        p.setColor(r, QColor(*rgb))
    for r in (role.Text, role.ButtonText, role.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, r, QColor(110, 110, 118))
    return p


def stylesheet() -> str:
    """``resources/masklet.qss`` (the repository's ``resources`` folder)."""
    path = Path(__file__).resolve().parent.parent / "resources" / "masklet.qss"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def apply_theme(app) -> None:
    app.setPalette(dark_palette())
    app.setStyleSheet(stylesheet())
