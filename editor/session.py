"""The open document on the Qt side: project + media + engine worker + event bridge.

Widgets read ``session.project`` and change it only through model commands
(``session.execute``); they listen to ``session.bridge.event`` for model events.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from editor.app.tracking import desired_prompts
from editor.bridge import ModelBridge
from editor.model import commands as cmd
from editor.model.events import ObjectAdded, ObjectRemoved, PromptsChanged
from editor.model.project import MediaSnapshot, Project
from editor.model.prompts import BoxPrompt, MaskPrompt, PointPrompt
from editor.workers.engine import EngineWorker, TrackRequest
from editor.workers.task import run_in_background

log = logging.getLogger(__name__)
PROJECT_SUFFIX = ".masklet"


def _load(path: Path, relink_to: Path | None = None, engine: dict[str, str] | None = None
          ) -> tuple[Project, object]:
    """Worker-thread part of opening: a project file or a video → (project, frame source).
    ``relink_to``: the clip the user chose for a project whose clip is missing or changed;
    ``engine``: EngineSettings fields of a new project (engine, model_name; missing ones keep
    the defaults).
    Raises ``MediaMismatchError`` when the clip needs relinking."""
    from rendering.media import open_source, probe

    if path.suffix == PROJECT_SUFFIX:
        from editor.model.errors import RelinkError
        from editor.model.persistence import load_project

        project = load_project(path)
        if relink_to is not None:
            project.relink(relink_to)
        elif project.media_missing and project.relink_candidate is not None:
            try:
                project.relink(project.relink_candidate)
            except RelinkError:  # not the same clip: ask the user (below)
                pass
        project.check_media()
        return project, open_source(project.source_path)
    source = open_source(path)
    project = Project(source_path=path.absolute(),
                      media=MediaSnapshot.from_media_info(probe(path)))
    if engine:
        project.engine = dataclasses.replace(project.engine, **engine)
    return project, source


class Session(QObject):
    """Signals: ``opened`` (a project is ready), ``open_failed(message)``,
    ``engine_failed(message)``, ``engine_ready(description)``, ``prompt_absent(object id,
    frame)`` (a prompt's result says there is no object there)."""

    opened = Signal()
    open_failed = Signal(str)
    engine_failed = Signal(str)
    engine_ready = Signal(str)
    prompt_absent = Signal(int, int)
    #: (project path, why): the project's clip is missing or changed; choose it and call
    #: ``open_path(project path, relink_to=clip)``
    relink_needed = Signal(str, str)

    def __init__(self, engine_factory=None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine_factory = engine_factory
        self.project: Project | None = None
        self.source = None
        self.engine: EngineWorker | None = None
        self.bridge = ModelBridge(self)
        self.bridge.event.connect(self._on_event)
        self._pending = None
        self.loading = False
        #: the open project came from a file (not from crash recovery)
        self.opened_from_file = False
        self._opening: Path | None = None
        #: EngineSettings fields a new clip's project gets (the user's preferences)
        self.new_clip_settings: Callable[[], dict[str, str]] = dict

    # ------------------------------------------------------------------ open / close
    def open_path(self, path: Path | str, relink_to: Path | str | None = None) -> None:
        """Open a video or ``.masklet`` in the background; ``opened``/``open_failed``/
        ``relink_needed``. ``relink_to``: the clip to use for the project."""
        path = Path(path)
        relink = None if relink_to is None else Path(relink_to)
        engine = self.new_clip_settings()
        self.loading, self._opening = True, path
        self._pending = run_in_background(lambda: _load(path, relink, engine), self._install,
                                          self._failed, self)

    def open_project_object(self, project: Project) -> None:
        """Install an already loaded project (crash recovery); media opens in the background."""
        from rendering.media import open_source

        self.loading, self._opening = True, None
        self._pending = run_in_background(lambda: (project, open_source(project.source_path)),
                                          self._install, self._failed, self)

    def _failed(self, exc: Exception) -> None:
        from editor.model.errors import MediaMismatchError

        self.loading = False
        if isinstance(exc, MediaMismatchError) and self._opening is not None:
            self.relink_needed.emit(str(self._opening), str(exc))
            return
        self.open_failed.emit(str(exc))

    def _install(self, loaded: tuple[Project, object]) -> None:
        self.close()
        self.project, self.source = loaded
        self.opened_from_file = self._opening is not None
        self.bridge.attach(self.project)
        self.restart_engine()
        self.loading = False
        self.opened.emit()

    def close(self) -> None:
        if self.engine is not None:
            self.engine.stop()
            self.engine = None
        if self.project is not None:
            self.bridge.detach()
            if self.project.masks is not None:
                self.project.masks.close()
        if self.source is not None and hasattr(self.source, "close"):
            self.source.close()
        self.project = self.source = None

    def restart_engine(self) -> None:
        """(Re)create the engine worker for the project's engine settings."""
        if self.engine is not None:
            self.engine.stop()
        project = self.project
        factory = self.engine_factory
        if factory is None:
            from editor.app.engines import make_engine

            factory = make_engine
        path, settings = project.source_path, project.engine

        def build():
            engine, desc = factory(path, settings)
            self._engine_desc = desc
            return engine

        self.engine = EngineWorker(build, project.masks, self)
        self.engine.failed.connect(self.engine_failed)
        self.engine.prompt_absent.connect(self.prompt_absent)
        self.engine.engine_ready.connect(lambda _n: self.engine_ready.emit(self._engine_desc))
        wanted = desired_prompts(project)
        if wanted:
            self.engine.sync(wanted)

    # ------------------------------------------------------------------ edits
    def execute(self, command) -> None:
        self.project.execute(command)

    def add_object(self, name: str | None = None) -> int:
        command = cmd.AddObject(self.project, name=name)
        self.execute(command)
        return command.object_id

    def add_point(self, object_id: int, frame_index: int, x: float, y: float,
                  label: int) -> None:
        self._prompt(object_id, frame_index, PointPrompt(float(x), float(y), int(label)))

    def add_box(self, object_id: int, frame_index: int, box: tuple[float, ...]) -> None:
        self._prompt(object_id, frame_index, BoxPrompt(*map(float, box)))

    def add_mask(self, object_id: int, frame_index: int, mask) -> None:
        """A touch-up mask (H×W bool / float [0, 1]) becomes the frame's prompt (undoable)."""
        name = self.project.masks.put_prompt_mask(mask)
        self._prompt(object_id, frame_index, MaskPrompt(name))

    def _prompt(self, object_id: int, frame_index: int, action) -> None:
        if self.engine is not None and self.engine.tracking:
            self.engine.cancel()  # a correction stops the running pass first
        self.execute(cmd.AddPrompt(self.project, object_id, int(frame_index), action))

    def track(self, affected_only: bool = True) -> TrackRequest | None:
        """Track inside the project's in/out range; the request sent, or None when busy."""
        if self.engine is None or self.engine.tracking:
            return None
        count = len(self.source)
        project = self.project
        request = TrackRequest(count, affected_only,
                               (project.in_frame, project.out_frame or count))
        self.engine.track(request)
        return request

    def cancel(self) -> None:
        if self.engine is not None:
            self.engine.cancel()

    def _on_event(self, event) -> None:
        if isinstance(event, PromptsChanged | ObjectAdded | ObjectRemoved) and self.engine:
            self.engine.sync(desired_prompts(self.project))

    # ------------------------------------------------------------------ saving
    def save(self, path: Path | str | None = None) -> Path:
        from editor.model.persistence import save_project

        return save_project(self.project, path)
