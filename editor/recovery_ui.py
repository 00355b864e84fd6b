"""At start-up: offer to restore projects left by a crashed session."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox

from editor.recovery import discard, pending_recoveries, restore, sweep_unsaved

log = logging.getLogger(__name__)


def offer_recovery(window) -> bool:
    """Ask about the newest recovery entry; True when one was restored. Afterwards the
    masks of unsaved projects that nothing refers to any more are removed."""
    try:
        return _offer(window)
    finally:
        try:
            sweep_unsaved(window.autosave.folder)
        except OSError as exc:  # leftovers stay until the next start
            log.warning("could not remove old unsaved masks: %s", exc)


def _offer(window) -> bool:
    entries = pending_recoveries(window.autosave.folder, window.autosave.slot)
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
        restored = restore(entry)
    except Exception as exc:  # a damaged recovery file: say so and start clean
        window.show_error("Restore failed", str(exc))
        return False
    window.restored_entry = entry
    window.session.open_project_object(restored.project)
    if restored.message:
        QMessageBox.warning(window, "Restored without some masks", restored.message)
    return True
