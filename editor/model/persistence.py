"""Save and load ``.masklet`` project files (versioned JSON) and their sidecar folder.

File shape: ``{"format": "masklet", "schema_version": 2, "source": {...}, "objects": [...],
"background_effects": [...], "range": {...}, "export": {...}, "engine": {...},
"masks": {"generation": "g000002"}}``; each object carries ``"mask_frames"``: the frames
with a stored mask as half-open runs ``[[start, stop], ...]``, so a load can tell masks
that went missing from frames never tracked. Schema 2 keeps masks in generation folders
(see :mod:`editor.model.sidecar`; a Masklet that reads schema 1 would not find them);
schema 1 files (no ``"masks"`` key) are still read.
Reading is forward compatible: unknown keys are kept (``extra``) and written back; a newer
*major* schema version is refused with a message saying to update Masklet. Any malformed
content is a :class:`CorruptProjectError` naming the file.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

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
from editor.model.sidecar import (
    clean_project_temps,
    clean_sidecar,
    generation_root,
    is_generation,
    next_generation,
)
from editor.model.store import MaskletStore

log = logging.getLogger(__name__)

FORMAT = "masklet"
SCHEMA_VERSION = 2
_TOP_KEYS = {"format", "schema_version", "source", "objects", "background_effects", "range",
             "export", "engine", "masks"}
_OBJECT_KEYS = {"id", "name", "colour", "visible", "prompts", "effects", "refinement",
                "mask_frames"}
#: A run in ``mask_frames`` longer than this is damage, not a clip (10 h at 240 fps).
_MAX_RUN = 10 * 3600 * 240
_UNKNOWN = "?"  # the generation of a project file that is absent or unreadable


def sidecar_path(project_path: Path) -> Path:
    """``clip.masklet`` → ``clip.masklet.d`` (the masklet store's folder)."""
    return project_path.with_name(project_path.name + ".d")


def backup_path(project_path: Path) -> Path:
    """``clip.masklet`` → ``clip.masklet.bak`` (the previous save; its masks are kept)."""
    return project_path.with_name(project_path.name + ".bak")


def project_files(project_path: Path) -> tuple[Path, Path, Path]:
    """The files a saved project owns (its file, backup and mask folder): no output may be
    written over them."""
    project_path = Path(project_path)
    return project_path, backup_path(project_path), sidecar_path(project_path)


def _media_path_to_json(source: Path | None, project_dir: Path) -> str | None:
    if source is None:
        return None
    source = Path(source).absolute()
    try:
        return Path(os.path.relpath(source, project_dir.absolute())).as_posix()
    except ValueError:  # another drive on Windows
        return str(source)


def frame_runs(frames) -> list[list[int]]:
    """Sorted unique frame indices → half-open runs ``[[start, stop], ...]``."""
    f = np.unique(np.asarray(frames, dtype=np.int64))
    if f.size == 0:
        return []
    breaks = np.nonzero(np.diff(f) > 1)[0]
    starts = f[np.concatenate([[0], breaks + 1])]
    stops = f[np.concatenate([breaks, [f.size - 1]])] + 1
    return [[int(a), int(b)] for a, b in zip(starts, stops, strict=True)]


def frames_from_runs(runs: Any) -> np.ndarray:
    """Inverse of :func:`frame_runs` (sorted int64); ValueError when ``runs`` is malformed."""
    parts = []
    for run in _as_list(runs, "mask_frames"):
        if (not isinstance(run, list) or len(run) != 2 or
                not all(isinstance(v, int) and not isinstance(v, bool) for v in run) or
                not 0 <= run[0] < run[1] <= run[0] + _MAX_RUN):
            raise ValueError(f"mask_frames: bad run {run!r}")
        parts.append(np.arange(run[0], run[1], dtype=np.int64))
    return np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)


def tracked_frames(project: Project, object_id: int) -> np.ndarray:
    """Frames the project says were tracked for the object (sorted int64): those with a
    stored mask, plus those found missing at load that were not tracked again since."""
    store = project.masks
    frames = set(store.frames_with_mask(object_id).tolist())
    missing = project.missing_masks.get(object_id, ())
    if missing:
        rewritten = set(store.scores(object_id)[0].tolist())
        frames.update(f for f in missing if f not in rewritten)
    return np.array(sorted(frames), dtype=np.int64)


def _object_to_json(obj: ProjectObject, mask_frames: list[list[int]]) -> dict[str, Any]:
    data = dict(obj.extra)
    data.update({
        "id": obj.object_id, "name": obj.name, "colour": obj.colour, "visible": obj.visible,
        "prompts": [{"frame_index": f, "actions": [prompt_to_json(a) for a in obj.prompts[f]]}
                    for f in sorted(obj.prompts)],
        "effects": [e.to_json() for e in obj.effects],
        "refinement": dict(obj.refinement), "mask_frames": mask_frames})
    return data


def project_to_json(project: Project, project_path: Path) -> dict[str, Any]:
    """The JSON document of ``project`` saved at ``project_path`` (without the mask
    generation: :func:`save_project` adds it; without it the store root is the sidecar)."""
    data = dict(project.extra)
    data.update({
        "format": FORMAT, "schema_version": SCHEMA_VERSION,
        "source": {"path": _media_path_to_json(project.source_path, project_path.parent),
                   "snapshot": dataclasses.asdict(project.media) if project.media else None},
        "objects": [_object_to_json(o, frame_runs(tracked_frames(project, o.object_id)))
                    for o in project.objects],
        "background_effects": [e.to_json() for e in project.background_effects],
        "range": {"in_frame": project.in_frame, "out_frame": project.out_frame},
        "export": dataclasses.asdict(project.export),
        "engine": dataclasses.asdict(project.engine)})
    return data


def _generation_of(path: Path) -> str | None:
    """The generation named by the project file at ``path``: a name, None (legacy layout)
    or ``_UNKNOWN`` (no file, or not a readable Masklet project)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return _UNKNOWN
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return _UNKNOWN
    masks = data.get("masks")
    generation = masks.get("generation") if isinstance(masks, dict) else None
    return generation if generation is None or is_generation(generation) else _UNKNOWN


def save_project(project: Project, path: Path | str | None = None) -> Path:
    """Write ``project`` to ``path`` (default: ``project.path``) so that a kill at any
    moment leaves the old or the new project whole (file, masks, prompts, low-res logits).

    A plain save makes the live masks durable (fsync) and renames the new file in. Save
    As and a first save copy (or move) the masks into the next generation folder of
    ``<name>.d`` first (see :mod:`editor.model.sidecar`), then rename the new file in;
    the previous file becomes ``<name>.bak`` with its masks kept, older generations are
    removed. Marks the undo stack clean and emits :class:`Saved`."""
    path = Path(path if path is not None else project.path or "")
    if not path.name:
        raise ProjectError("the project has no file name yet — use Save As")
    data = project_to_json(project, path)
    sidecar, backup, store = sidecar_path(path), backup_path(path), project.masks
    old_generation = _generation_of(path)
    try:
        clean_project_temps(path)
        clean_sidecar(sidecar, set(), at_save=False)
        if (old_generation != _UNKNOWN and store.root.absolute() ==
                generation_root(sidecar, old_generation).absolute()):
            generation = old_generation  # plain save: the masks were written there live
            store.sync()
        else:
            generation = next_generation(sidecar)
            store.relocate(sidecar / generation)
        if generation is not None:
            data["masks"] = {"generation": generation}
        text = json.dumps(data, indent=1, allow_nan=True) + "\n"
        if path.exists():
            atomic_write_bytes(backup, path.read_bytes())
        atomic_write_bytes(path, text.encode("utf-8"))  # the switch: one rename
    except OSError as exc:
        raise ProjectError(f"{path}: could not save ({exc.strerror}) — the previous file is "
                           "unchanged; free disk space or save elsewhere") from exc
    try:
        clean_sidecar(sidecar, {generation, _generation_of(backup)}, at_save=True)
        store.prune_low_res({o.object_id: set(o.prompts) for o in project.objects})
    except OSError as exc:  # the save itself is complete
        log.warning("%s: could not remove old masks (%s)", sidecar, exc)
    project.missing_masks = {o: tuple(m) for o, m in _missing_after_save(project).items()}
    project.path = path
    project.undo_stack.set_clean()
    project.events.emit(Saved(path))
    return path


def _missing_after_save(project: Project) -> dict[int, np.ndarray]:
    store, left = project.masks, {}
    for oid, frames in project.missing_masks.items():
        rewritten = set(store.scores(oid)[0].tolist())
        still = np.array([f for f in frames if f not in rewritten], dtype=np.int64)
        if still.size and any(o.object_id == oid for o in project.objects):
            left[oid] = still
    return left


def _backup_hint(path: Path) -> str:
    """What to do about a damaged project file; names the backup only when there is one."""
    backup = backup_path(path)
    if _generation_of(backup) != _UNKNOWN:
        return f"the previous save is {backup.name}: rename it to {path.name} to open it"
    return "restore the file from a copy, or open the clip and track it again"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProjectError(f"{path}: project file not found — check the path") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptProjectError(f"{path}: not a readable Masklet project ({exc}) — "
                                  f"{_backup_hint(path)}") from None
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read the project ({exc.strerror})") from None
    except RecursionError:
        raise CorruptProjectError(f"{path}: not a readable Masklet project (nested too "
                                  f"deeply) — {_backup_hint(path)}") from None
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


def _as_dict(value: Any, where: str) -> dict[str, Any]:
    """``value`` if it is a JSON object, {} for null; ValueError naming ``where`` else."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be an object, not {type(value).__name__}")
    return value


def _as_list(value: Any, where: str) -> list[Any]:
    """``value`` if it is a JSON array, [] for null; ValueError naming ``where`` else."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{where} must be a list, not {type(value).__name__}")
    return value


def _object_from_json(data: Any) -> ProjectObject:
    data = _as_dict(data, "objects[]")
    prompts = {}
    for p in _as_list(data.get("prompts"), "prompts"):
        p = _as_dict(p, "prompts[]")
        prompts[int(p["frame_index"])] = [prompt_from_json(_as_dict(a, "actions[]"))
                                          for a in _as_list(p["actions"], "actions")]
    effects = [EffectRef.from_json(_as_dict(e, "effects[]"))
               for e in _as_list(data.get("effects"), "effects")]
    return ProjectObject(int(data["id"]), str(data.get("name", f"Object {data['id']}")),
                         str(data.get("colour", "#e6194b")), bool(data.get("visible", True)),
                         prompts, effects, dict(_as_dict(data.get("refinement"), "refinement")),
                         {k: v for k, v in data.items() if k not in _OBJECT_KEYS})


def _known(cls: type, data: Any, where: str) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in _as_dict(data, where).items() if k in names})


def project_from_json(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """Keyword arguments of :class:`Project` from the JSON of the file at ``path``.
    Raises ValueError/TypeError/KeyError on malformed content."""
    source = _as_dict(data.get("source"), "source")
    source_path = None
    if source.get("path"):
        source_path = Path(str(source["path"]))
        if not source_path.is_absolute():
            source_path = Path(os.path.normpath(path.parent.absolute() / source_path))
    snap = source.get("snapshot")
    rng = _as_dict(data.get("range"), "range")
    return dict(
        source_path=source_path,
        media=_known(MediaSnapshot, snap, "source.snapshot") if snap else None,
        objects=[_object_from_json(o) for o in _as_list(data.get("objects"), "objects")],
        background_effects=[EffectRef.from_json(_as_dict(e, "background_effects[]")) for e
                            in _as_list(data.get("background_effects"), "background_effects")],
        in_frame=int(rng.get("in_frame", 0)),
        out_frame=None if rng.get("out_frame") is None else int(rng["out_frame"]),
        export=_known(ExportSettings, data.get("export"), "export"),
        engine=_known(EngineSettings, data.get("engine"), "engine"),
        extra={k: v for k, v in data.items() if k not in _TOP_KEYS})


def _generation_field(data: dict[str, Any]) -> str | None:
    generation = _as_dict(data.get("masks"), "masks").get("generation")
    if generation is not None and not is_generation(generation):
        raise ValueError(f"masks.generation {generation!r} is not a mask folder name")
    return generation


def _expected_masks(data: dict[str, Any]) -> dict[int, np.ndarray]:
    """Object id → frames the file says have a mask (objects without the key: none)."""
    return {int(o["id"]): frames_from_runs(o.get("mask_frames"))
            for o in _as_list(data.get("objects"), "objects")}


def _find_missing(project: Project, expected: dict[int, np.ndarray]) -> None:
    """Compare the file's summary with the store; missing frames read as never tracked
    and are listed in ``project.missing_masks``."""
    store = project.masks
    for oid, frames in expected.items():
        missing = np.setdiff1d(frames, store.frames_with_mask(oid))
        if missing.size:
            store.forget_frames(oid, missing)
            project.missing_masks[oid] = tuple(missing.tolist())
            log.warning("%s: object %d has no mask on %d frames it was tracked on",
                        store.root, oid, missing.size)


def load_project(path: Path | str, cache_frames: int = 32) -> Project:
    """Open a ``.masklet`` file and its sidecar store.

    If the media file is missing but a file of the same name sits next to the project, it
    becomes ``project.relink_candidate`` (call ``project.relink(candidate)`` to accept).
    Frames the file says were tracked but whose masks are gone are listed in
    ``project.missing_masks`` (see :meth:`Project.check_masks`).
    Raises :class:`ProjectError` subclasses (user errors) naming the file."""
    path = Path(path)
    data = _read_json(path)
    _check_version(data, path)
    try:
        fields = project_from_json(data, path)
        generation = _generation_field(data)
        expected = _expected_masks(data)
        media_missing = fields["source_path"] is not None and not fields["source_path"].exists()
    except (LookupError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
        raise CorruptProjectError(f"{path}: damaged project ({type(exc).__name__}: {exc}) "
                                  f"— {_backup_hint(path)}") from None
    sidecar = sidecar_path(path)
    try:
        clean_project_temps(path)
        clean_sidecar(sidecar, {generation}, at_save=False)
    except OSError as exc:  # leftovers stay; the project opens all the same
        log.warning("%s: could not remove leftovers (%s)", sidecar, exc)
    store = MaskletStore(generation_root(sidecar, generation), cache_frames)
    project = Project(**fields, path=path, masks=store)
    _find_missing(project, expected)
    if media_missing:
        candidate = path.parent / project.source_path.name
        if candidate.exists():
            project.relink_candidate = candidate
        log.warning("%s: media %s is missing", path, project.source_path)
    return project
