"""At start-up: offer to restore projects left by a crashed session."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox

from editor.recovery import discard, pending_recoveries, restore

log = logging.getLogger(__name__)


def offer_recovery(window) -> bool:
    """Ask about the newest recovery entry; True when one was restored."""
    entries = pending_recoveries(window.autosave.folder)
    if not entries:
        return False
    entry = entries[0]
    answer = QMessageBox.question(
        window, "Restore unsaved work?",
        "Masklet did not close properly last time. Restore the project it was editing?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes)
    if answer != QMessageBox.StandardButton.Yes:
        for e in entries:
            discard(e)
        return False
    try:
        project = restore(entry)
    except Exception as exc:  # a damaged recovery file: say so and start clean
        window.show_error("Restore failed", str(exc))
        return False
    window.restored_entry = entry
    window.session.open_project_object(project)
    return True
