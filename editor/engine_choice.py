"""The engine and model a new clip gets and the one question asked when there are no weights.

The answer is a preference (QSettings ``engine/new_clips``: "sam2" or "offline", and
``engine/new_clips_model``: the checkpoint of the Fast/Balanced/Accurate choice, see
:mod:`editor.app.model_choice`), asked once and changed in Track ▸ Model settings; a project
keeps its own engine settings."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QSettings

from editor.model import commands as cmd

ENGINES = ("sam2", "offline")


class EnginePreference:
    """The engine and checkpoint for new clips, kept in ``settings``; None until the user
    chose one."""

    KEY = "engine/new_clips"
    MODEL_KEY = "engine/new_clips_model"

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def get(self) -> str | None:
        value = self.settings.value(self.KEY)
        return value if value in ENGINES else None

    def set(self, engine: str) -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; expected one of {ENGINES}")
        self.settings.setValue(self.KEY, engine)

    def model(self) -> str | None:
        """The registry name of the checkpoint new clips track with (None: not chosen)."""
        from segmentation.weights import CHECKPOINTS

        value = self.settings.value(self.MODEL_KEY)
        return value if value in {c.name for c in CHECKPOINTS} else None

    def set_model(self, model_name: str) -> None:
        from segmentation.weights import get_checkpoint

        self.settings.setValue(self.MODEL_KEY, get_checkpoint(model_name).name)

    def new_clip_settings(self) -> dict[str, str]:
        """The :class:`~editor.model.project.EngineSettings` fields a new clip's project
        gets from the preferences (only those the user chose)."""
        chosen = {"engine": self.get(), "model_name": self.model()}
        return {k: v for k, v in chosen.items() if v is not None}


def _use(session, **fields: str) -> None:
    """Set the project's engine settings ``fields`` (one undo step) and restart the engine."""
    project = session.project
    session.execute(cmd.SetEngineSettings(project, dataclasses.replace(project.engine,
                                                                       **fields)))
    session.restart_engine()


def ensure_engine_choice(window) -> bool:
    """Before the first prompt: a model engine chosen but no checkpoint installed → the
    offline engine if the user chose it before, else ask once (download Fast / Balanced /
    Accurate, or offline) and remember the answer; a download becomes the project's model
    and that of new clips. False when the user cancels. Tests with an engine factory skip
    this."""
    session = window.session
    project = session.project
    if session.engine_factory is not None or project.engine.engine != "sam2":
        return True
    from editor.app.engines import installed_checkpoints

    if installed_checkpoints():
        return True
    preference = EnginePreference(window.settings)
    if preference.get() == "offline":
        _use(session, engine="offline")
        window.status.showMessage("No tracking model installed: tracking with the offline "
                                  "engine (Track ▸ Model settings changes it)", 8000)
        return True
    from editor.dialogs.no_weights import NoWeightsDialog

    dialog = NoWeightsDialog(window)
    if not dialog.exec():
        return False
    if dialog.choice == "offline":
        preference.set("offline")
        _use(session, engine="offline")
    else:
        preference.set("sam2")
        preference.set_model(dialog.model_name)
        _use(session, engine="sam2", model_name=dialog.model_name)
    return True
