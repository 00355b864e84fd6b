"""The engine a new clip gets and the one question asked when SAM 2 has no weights.

The answer is a preference (QSettings ``engine/new_clips``: "sam2" or "offline"), asked once
and changed in Track ▸ Model settings; a project keeps its own engine settings."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QSettings

from editor.model import commands as cmd

ENGINES = ("sam2", "offline")


class EnginePreference:
    """The engine for new clips, kept in ``settings``; None until the user chose one."""

    KEY = "engine/new_clips"

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def get(self) -> str | None:
        value = self.settings.value(self.KEY)
        return value if value in ENGINES else None

    def set(self, engine: str) -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; expected one of {ENGINES}")
        self.settings.setValue(self.KEY, engine)


def _use_offline(session) -> None:
    project = session.project
    session.execute(cmd.SetEngineSettings(project,
                                          dataclasses.replace(project.engine, engine="offline")))
    session.restart_engine()


def ensure_engine_choice(window) -> bool:
    """Before the first prompt: SAM 2 chosen but no checkpoint installed → the offline
    engine if the user chose it before, else ask once (download or offline) and remember the
    answer. False when the user cancels. Tests with an engine factory skip this."""
    session = window.session
    project = session.project
    if session.engine_factory is not None or project.engine.engine != "sam2":
        return True
    from editor.app.engines import installed_checkpoints

    if installed_checkpoints():
        return True
    preference = EnginePreference(window.settings)
    if preference.get() == "offline":
        _use_offline(session)
        window.status.showMessage("No SAM 2 weights installed: tracking with the offline "
                                  "engine (Track ▸ Model settings changes it)", 8000)
        return True
    from editor.dialogs.no_weights import NoWeightsDialog

    dialog = NoWeightsDialog(window)
    if not dialog.exec():
        return False
    if dialog.choice == "offline":
        preference.set("offline")
        _use_offline(session)
    else:
        preference.set("sam2")
        session.restart_engine()
    return True
