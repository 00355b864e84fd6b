"""Save and load ``.masklet`` project files (versioned JSON) and their sidecar folder.

File shape: ``{"format": "masklet", "schema_version": 1, "source": {...}, "objects": [...],
"background_effects": [...], "range": {...}, "export": {...}, "engine": {...}}``.
Reading is forward compatible: unknown keys are kept (``extra``) and written back; a newer
*major* schema version is refused with a message saying to update Masklet.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from pathlib import Path
from typing import Any

from editor.model.atomic import atomic_write_bytes
from editor.model.effects import EffectRef
from editor.model.errors import CorruptProjectError, NewerSchemaError, ProjectError
from editor.model.events import Saved
from editor.model.project import (
    EngineSettings,
    ExportSettings,
    MediaSnapshot,
    Project,
    ProjectObject,
)
from editor.model.prompts import prompt_from_json, prompt_to_json
from editor.model.store import MaskletStore

log = logging.getLogger(__name__)

FORMAT = "masklet"
SCHEMA_VERSION = 1
_TOP_KEYS = {"format", "schema_version", "source", "objects", "background_effects", "range",
             "export", "engine"}
_OBJECT_KEYS = {"id", "name", "colour", "visible", "prompts", "effects", "refinement"}


def sidecar_path(project_path: Path) -> Path:
    """``clip.masklet`` → ``clip.masklet.d`` (the masklet store's folder)."""
    return project_path.with_name(project_path.name + ".d")


def _media_path_to_json(source: Path | None, project_dir: Path) -> str | None:
    if source is None:
        return None
    source = Path(source).absolute()
    try:
        return Path(os.path.relpath(source, project_dir.absolute())).as_posix()
    except ValueError:  # another drive on Windows
        return str(source)


def _object_to_json(obj: ProjectObject) -> dict[str, Any]:
    data = dict(obj.extra)
    data.update({
        "id": obj.object_id, "name": obj.name, "colour": obj.colour, "visible": obj.visible,
        "prompts": [{"frame_index": f, "actions": [prompt_to_json(a) for a in obj.prompts[f]]}
                    for f in sorted(obj.prompts)],
        "effects": [e.to_json() for e in obj.effects],
        "refinement": dict(obj.refinement)})
    return data


def project_to_json(project: Project, project_path: Path) -> dict[str, Any]:
    """The JSON document of ``project`` saved at ``project_path``."""
    data = dict(project.extra)
    data.update({
        "format": FORMAT, "schema_version": SCHEMA_VERSION,
        "source": {"path": _media_path_to_json(project.source_path, project_path.parent),
                   "snapshot": dataclasses.asdict(project.media) if project.media else None},
        "objects": [_object_to_json(o) for o in project.objects],
        "background_effects": [e.to_json() for e in project.background_effects],
        "range": {"in_frame": project.in_frame, "out_frame": project.out_frame},
        "export": dataclasses.asdict(project.export),
        "engine": dataclasses.asdict(project.engine)})
    return data


def save_project(project: Project, path: Path | str | None = None) -> Path:
    """Write ``project`` to ``path`` (default: ``project.path``) atomically.

    The previous file is kept as ``<name>.bak``; masks move/copy into the sidecar folder
    (``<name>.d``). Marks the undo stack clean and emits :class:`Saved`."""
    path = Path(path if path is not None else project.path or "")
    if not path.name:
        raise ProjectError("the project has no file name yet — use Save As")
    text = json.dumps(project_to_json(project, path), indent=1, allow_nan=True) + "\n"
    project.masks.relocate(sidecar_path(path))
    try:
        if path.exists():
            atomic_write_bytes(path.with_name(path.name + ".bak"), path.read_bytes())
        atomic_write_bytes(path, text.encode("utf-8"))
    except OSError as exc:
        raise ProjectError(f"{path}: could not save ({exc.strerror}) — the previous file is "
                           "unchanged; free disk space or save elsewhere") from exc
    project.path = path
    project.undo_stack.set_clean()
    project.events.emit(Saved(path))
    return path


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProjectError(f"{path}: project file not found — check the path") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptProjectError(f"{path}: not a readable Masklet project ({exc}) — "
                                  f"try the backup {path.name}.bak") from None
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read the project ({exc.strerror})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CorruptProjectError(f"{path}: not a Masklet project file (no \"format\": "
                                  "\"masklet\") — open a .masklet file")
    return data


def _check_version(data: dict[str, Any], path: Path) -> None:
    version = data.get("schema_version", 1)
    try:
        major = int(str(version).split(".")[0])
    except ValueError:
        raise CorruptProjectError(f"{path}: bad schema_version {version!r}") from None
    if major > SCHEMA_VERSION:
        raise NewerSchemaError(f"{path}: made by a newer Masklet (schema {version}, this "
                               f"version reads {SCHEMA_VERSION}) — update Masklet")


def _object_from_json(data: dict[str, Any]) -> ProjectObject:
    prompts = {int(p["frame_index"]): [prompt_from_json(a) for a in p["actions"]]
               for p in data.get("prompts", [])}
    return ProjectObject(int(data["id"]), str(data.get("name", f"Object {data['id']}")),
                         str(data.get("colour", "#e6194b")), bool(data.get("visible", True)),
                         prompts, [EffectRef.from_json(e) for e in data.get("effects", [])],
                         dict(data.get("refinement") or {}),
                         {k: v for k, v in data.items() if k not in _OBJECT_KEYS})


def _known(cls: type, data: dict[str, Any] | None) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in (data or {}).items() if k in names})


def project_from_json(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """Keyword arguments of :class:`Project` from the JSON of the file at ``path``."""
    source = data.get("source") or {}
    source_path = None
    if source.get("path"):
        source_path = Path(source["path"])
        if not source_path.is_absolute():
            source_path = Path(os.path.normpath(path.parent.absolute() / source_path))
    snap = source.get("snapshot")
    rng = data.get("range") or {}
    return dict(
        source_path=source_path, media=_known(MediaSnapshot, snap) if snap else None,
        objects=[_object_from_json(o) for o in data.get("objects", [])],
        background_effects=[EffectRef.from_json(e) for e in data.get("background_effects", [])],
        in_frame=int(rng.get("in_frame", 0)),
        out_frame=None if rng.get("out_frame") is None else int(rng["out_frame"]),
        export=_known(ExportSettings, data.get("export")),
        engine=_known(EngineSettings, data.get("engine")),
        extra={k: v for k, v in data.items() if k not in _TOP_KEYS})


def load_project(path: Path | str, cache_frames: int = 32) -> Project:
    """Open a ``.masklet`` file and its sidecar store.

    If the media file is missing but a file of the same name sits next to the project, it
    becomes ``project.relink_candidate`` (call ``project.relink(candidate)`` to accept).
    Raises :class:`ProjectError` subclasses (user errors) naming the file."""
    path = Path(path)
    data = _read_json(path)
    _check_version(data, path)
    try:
        fields = project_from_json(data, path)
    except (KeyError, TypeError, ValueError) as exc:
        raise CorruptProjectError(f"{path}: damaged project ({type(exc).__name__}: {exc}) "
                                  f"— try the backup {path.name}.bak") from None
    store = MaskletStore(sidecar_path(path), cache_frames)
    project = Project(**fields, path=path, masks=store)
    if project.media_missing:
        candidate = path.parent / project.source_path.name
        if candidate.exists():
            project.relink_candidate = candidate
        log.warning("%s: media %s is missing", path, project.source_path)
    return project
