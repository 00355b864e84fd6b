"""The sidecar folder ``NAME.masklet.d/`` of a project: its mask generations and leftovers.

Layout: generation folders ``g000001/``, ``g000002/``, … each hold a complete masklet store
(see :mod:`editor.model.store`); the project file names the current one
(``"masks": {"generation": "g000002"}``). A save that needs new masks (Save As, the first
save) writes the next generation beside the old one and then switches the project file in
one rename, so a kill at any moment leaves the old or the new project whole. The generation
named by ``NAME.masklet.bak`` is kept too (the backup is a real one), every other generation
of ours is removed after the switch. A project file without the key is the legacy layout:
its store root is the sidecar itself (``masks/``, ``lowres/``, ``prompts/`` directly inside).

Leftovers of interrupted saves (temp files ``.*.tmp``, staging folders ``.tmp-*``) are
removed by the next save or load of the same project — only names we create, and temp files
only once they are :data:`STALE_TEMP_S` old (a live writer's temp file lasts milliseconds).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from pathlib import Path

from editor.model.atomic import is_temp_name
from editor.model.store import OWNED_FOLDERS

log = logging.getLogger(__name__)

_GENERATION = re.compile(r"g\d{6}")
#: Temp files and staging folders older than this (seconds) are leftovers of a crash.
STALE_TEMP_S = 60.0
_STAGING_PREFIX = ".tmp-"
#: ``tempfile.mkdtemp(prefix=".tmp-")`` names, as older versions made beside the project
_OLD_STAGING = re.compile(r"\.tmp-[a-z0-9_]{8}")


def is_generation(name: object) -> bool:
    """True for generation folder names (``g`` + 6 digits)."""
    return isinstance(name, str) and _GENERATION.fullmatch(name) is not None


def generation_root(sidecar: Path, generation: str | None) -> Path:
    """The store root of ``generation`` (None: the legacy layout, the sidecar itself)."""
    return sidecar if generation is None else sidecar / generation


def generations(sidecar: Path) -> list[str]:
    """The generation folders present in ``sidecar``, sorted."""
    try:
        return sorted(e.name for e in os.scandir(sidecar) if e.is_dir() and
                      is_generation(e.name))
    except FileNotFoundError:
        return []


def next_generation(sidecar: Path) -> str:
    """A generation name above every one present (never reuses a name)."""
    present = generations(sidecar)
    return f"g{(int(present[-1][1:]) + 1 if present else 1):06d}"


def _old(path: Path, age_s: float) -> bool:
    try:
        return time.time() - path.lstat().st_mtime >= age_s
    except FileNotFoundError:
        return False


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
    log.info("removed leftover %s", path)


def _remove_temp_files(folder: Path, age_s: float) -> None:
    """Stale ``.*.tmp`` files anywhere under ``folder`` (a store's interrupted writes)."""
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            if is_temp_name(name) and _old(Path(dirpath) / name, age_s):
                _remove(Path(dirpath) / name)


def clean_sidecar(sidecar: Path, keep: set[str | None], at_save: bool) -> None:
    """Remove leftovers in ``sidecar``: staging folders and temp files; with ``at_save``
    (the caller is the one writer of this project) also every generation not in ``keep``,
    and the legacy layout's folders when a kept generation replaced it."""
    if not sidecar.is_dir() or sidecar.is_symlink():
        return
    kept_generation = any(is_generation(g) for g in keep)
    for entry in sidecar.iterdir():
        name = entry.name
        if name.startswith(_STAGING_PREFIX) and (at_save or _old(entry, STALE_TEMP_S)):
            _remove(entry)
        elif is_temp_name(name) and _old(entry, STALE_TEMP_S):
            _remove(entry)
        elif at_save and is_generation(name) and name not in keep:
            _remove(entry)
        elif (at_save and name in OWNED_FOLDERS and None not in keep and kept_generation):
            _remove(entry)
    for generation in keep:
        root = generation_root(sidecar, generation)
        for sub in OWNED_FOLDERS:
            _remove_temp_files(root / sub, STALE_TEMP_S)


def clean_project_temps(project_path: Path) -> None:
    """Stale temp files of the project file and its backup beside it, and the staging
    folders (``.tmp-*`` holding only ``d``) that older Masklet versions left there."""
    folder = project_path.parent
    prefixes = (f".{project_path.name}.", f".{project_path.name}.bak.")
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if is_temp_name(name) and name.startswith(prefixes) and _old(entry, STALE_TEMP_S):
            _remove(entry)
        elif (_OLD_STAGING.fullmatch(name) and entry.is_dir() and
              {e.name for e in entry.iterdir()} <= {"d"} and _old(entry, STALE_TEMP_S)):
            _remove(entry)
