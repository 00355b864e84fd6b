"""Autosave to a recovery file every few minutes; offer to restore after a crash.

A recovery entry is ``<recovery dir>/<n>.masklet`` (the project JSON) whose sidecar
``<n>.masklet.d`` is a symlink to the live mask store, plus ``<n>.json`` naming the project's
own file. Entries are removed on a clean exit and after a save; any entry found at start-up
therefore comes from a session that crashed."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer

log = logging.getLogger(__name__)
AUTOSAVE_INTERVAL_MS = 3 * 60 * 1000


def recovery_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".local/share/masklet") / "recovery"


def write_recovery(project, folder: Path, slot: str) -> Path:
    """Write ``project`` as a recovery entry (does not touch the project's own file)."""
    from editor.model.atomic import atomic_write_bytes
    from editor.model.persistence import project_to_json, sidecar_path

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slot}.masklet"
    project.masks.flush()
    data = project_to_json(project, path)
    atomic_write_bytes(path, (json.dumps(data, indent=1) + "\n").encode("utf-8"))
    link = sidecar_path(path)
    if link.is_symlink() or link.exists():
        if link.is_symlink() and Path(os.readlink(link)) == project.masks.root:
            pass
        else:
            link.unlink()
            link.symlink_to(project.masks.root, target_is_directory=True)
    else:
        link.symlink_to(project.masks.root, target_is_directory=True)
    meta = {"project_path": None if project.path is None else str(project.path),
            "pid": os.getpid()}
    atomic_write_bytes(folder / f"{slot}.json", json.dumps(meta).encode("utf-8"))
    return path


def pending_recoveries(folder: Path) -> list[Path]:
    """Recovery entries left by other (crashed) sessions, newest first."""
    if not folder.exists():
        return []
    entries = [p for p in folder.glob("*.masklet") if p.with_suffix(".json").exists()]
    mine = str(os.getpid())
    entries = [p for p in entries if p.stem != mine]
    return sorted(entries, key=lambda p: p.stat().st_mtime, reverse=True)


def restore(entry: Path):
    """Load a recovery entry → project (its ``path`` is the original project file, if any,
    so Save writes there). The entry is removed once the project is saved."""
    from editor.model.persistence import load_project

    meta = json.loads(entry.with_suffix(".json").read_text())
    project = load_project(entry)
    project.path = Path(meta["project_path"]) if meta.get("project_path") else None
    return project


def discard(entry: Path) -> None:
    from editor.model.persistence import sidecar_path

    for p in (entry, entry.with_suffix(".json"), sidecar_path(entry)):
        if p.is_symlink() or p.is_file():
            p.unlink(missing_ok=True)


class Autosave(QObject):
    """Writes the open project to the recovery folder every ``interval_ms`` while dirty."""

    def __init__(self, parent: QObject | None = None, folder: Path | None = None,
                 interval_ms: int = AUTOSAVE_INTERVAL_MS) -> None:
        super().__init__(parent)
        self.folder = folder or recovery_dir()
        self.slot = str(os.getpid())
        self._project = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.save_now)
        self._timer.setInterval(interval_ms)

    def start(self, project) -> None:
        self._project = project
        self._timer.start()

    def save_now(self) -> Path | None:
        project = self._project
        if project is None or not project.dirty:
            return None
        try:
            return write_recovery(project, self.folder, self.slot)
        except Exception as exc:  # autosave must never interrupt editing
            log.warning("autosave failed: %s", exc)
            return None

    def saved(self) -> None:
        """The project was saved: the recovery entry is no longer needed."""
        discard(self.folder / f"{self.slot}.masklet")

    def clean_exit(self) -> None:
        self._timer.stop()
        self._project = None
        self.saved()
