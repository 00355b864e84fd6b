"""qtawesome icons by role (one place to change the icon set)."""

from __future__ import annotations

_NAMES = {
    "open": "mdi6.folder-open", "save": "mdi6.content-save", "undo": "mdi6.undo",
    "redo": "mdi6.redo", "add": "mdi6.plus", "remove": "mdi6.delete", "track": "mdi6.target",
    "cancel": "mdi6.close-circle", "play": "mdi6.play", "pause": "mdi6.pause",
    "prev": "mdi6.skip-previous", "next": "mdi6.skip-next", "export": "mdi6.export",
    "visible": "mdi6.eye", "hidden": "mdi6.eye-off", "colour": "mdi6.palette",
    "brush": "mdi6.brush", "eraser": "mdi6.eraser", "pointer": "mdi6.cursor-default-click",
    "effects": "mdi6.auto-fix", "fit": "mdi6.fit-to-screen", "sample": "mdi6.movie-open-play",
    "up": "mdi6.arrow-up", "down": "mdi6.arrow-down", "settings": "mdi6.cog",
    "folder": "mdi6.folder", "find": "mdi6.selection-search",
}


def icon(role: str, colour: str = "#dcdce1"):
    """QIcon for ``role`` (see ``_NAMES``); an empty icon when the font is unavailable."""
    import qtawesome
    from PySide6.QtGui import QIcon

    try:
        return qtawesome.icon(_NAMES[role], color=colour)
    except Exception:  # icon fonts missing on a stripped-down system: text-only buttons
        return QIcon()
