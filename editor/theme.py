"""Dark Fusion palette (like Resolve/Kdenlive)."""

from __future__ import annotations


def dark_palette():
    from PySide6.QtGui import QColor, QPalette

    p = QPalette()
    role = QPalette.ColorRole
    for r, rgb in ((role.Window, (37, 37, 41)), (role.WindowText, (220, 220, 225)),
                   (role.Base, (28, 28, 31)), (role.AlternateBase, (44, 44, 48)),
                   (role.Text, (220, 220, 225)), (role.Button, (48, 48, 53)),
                   (role.ButtonText, (220, 220, 225)), (role.Highlight, (255, 140, 0)),
                   (role.HighlightedText, (20, 20, 20)), (role.ToolTipBase, (48, 48, 53)),
                   (role.ToolTipText, (220, 220, 225))):
        p.setColor(r, QColor(*rgb))
    return p
