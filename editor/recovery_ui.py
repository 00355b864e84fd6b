"""Crash recovery in the window: the recovery folder in the user's data folder, the autosave
timer, and the offer at start-up to restore projects left by a crashed session."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer
from PySide6.QtWidgets import QMessageBox

from editor.app.recovery import Autosave, discard, pending_recoveries, restore, sweep_unsaved

log = logging.getLogger(__name__)
AUTOSAVE_INTERVAL_MS = 3 * 60 * 1000


def recovery_dir() -> Path:
    """``recovery/`` in the user's data folder (never the system's temporary folder)."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".local/share/masklet") / "recovery"


def start_autosave(parent: QObject, folder: Path | None = None,
                   interval_ms: int = AUTOSAVE_INTERVAL_MS) -> Autosave:
    """An :class:`Autosave` in ``folder`` (default :func:`recovery_dir`) whose
    :meth:`~Autosave.save_now` runs every ``interval_ms`` while ``parent`` lives."""
    autosave = Autosave(folder or recovery_dir())
    timer = QTimer(parent)
    timer.setInterval(interval_ms)
    timer.timeout.connect(autosave.save_now)
    timer.start()
    return autosave


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
    autosave: Autosave = window.autosave
    entries = pending_recoveries(autosave.folder, autosave.slot)
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
    autosave.restored(entry)
    window.session.open_project_object(restored.project)
    if restored.message:
        QMessageBox.warning(window, "Restored without some masks", restored.message)
    return True
