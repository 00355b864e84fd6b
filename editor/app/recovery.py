"""Autosave to a recovery file every few minutes; offer to restore after a crash.

Qt-free: the window passes the folder (its user data folder's ``recovery/``) and runs
:meth:`Autosave.save_now` on a timer. Everything lives in that folder, never only in the
system's temporary folder, which is cleaned behind our back:

* ``<slot>.masklet``: the project JSON (it lists each object's tracked frames);
* ``<slot>.masklet.d``: a symlink to the live mask store;
* ``<slot>.json``: ``{"project_path", "pid", "masks"}`` (the project's own file, the
  process that writes the entry, the store's folder);
* ``unsaved/masklet-unsaved-<pid>-*/``: the mask stores of never-saved projects
  (:class:`Autosave` points :attr:`MaskletStore.unsaved_folder` there).

A slot is ``<pid>-<random>``. Entries are removed on a clean exit and after a save; an
entry whose process is no longer running therefore comes from a session that crashed.
Stores in ``unsaved/`` that no entry refers to and whose process is gone are removed at
start-up (:func:`sweep_unsaved`). A restore whose mask store is gone still brings back the
objects, prompts and effects, and says which frames to track again (:class:`Restored`)."""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from editor.model.store import UNSAVED_PREFIX, MaskletStore

log = logging.getLogger(__name__)


def unsaved_dir(folder: Path) -> Path:
    """Where never-saved projects' mask stores live, beside the entries of ``folder``."""
    return Path(folder) / "unsaved"


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` is running (a pid we may not signal counts as running)."""
    if pid <= 0:
        return False
    if os.name == "nt":  # os.kill would terminate the process on Windows
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel32.OpenProcess(0x1000, False, pid)  # QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() == 5  # access denied: it exists
        try:
            code = ctypes.c_ulong()
            return bool(kernel32.GetExitCodeProcess(handle, ctypes.byref(code))) and \
                code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _meta(entry: Path) -> dict:
    """The ``<slot>.json`` of an entry ({} when unreadable)."""
    try:
        data = json.loads(entry.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _link_target(link: Path) -> Path | None:
    """Where the symlink ``link`` points (absolute), or None when it is not a symlink."""
    if not link.is_symlink():
        return None
    target = Path(os.readlink(link))
    return target if target.is_absolute() else link.parent / target


def write_recovery(project, folder: Path, slot: str) -> Path:
    """Write ``project`` as a recovery entry (does not touch the project's own file)."""
    from editor.model.atomic import atomic_write_bytes
    from editor.model.persistence import project_to_json, sidecar_path

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slot}.masklet"
    project.masks.flush()
    data = project_to_json(project, path)
    data.pop("masks", None)  # the entry's sidecar is the store root itself
    atomic_write_bytes(path, (json.dumps(data, indent=1) + "\n").encode("utf-8"))
    root = project.masks.root.resolve()
    link = sidecar_path(path)
    if link.resolve() != root:  # else it already leads to the store (or is the store)
        if link.is_symlink() or link.is_file():
            link.unlink()
        elif link.is_dir():  # an older version's stand-in folder, not the live store
            shutil.rmtree(link)
        link.symlink_to(root, target_is_directory=True)
    meta = {"project_path": None if project.path is None else str(project.path),
            "pid": os.getpid(), "masks": str(root)}
    atomic_write_bytes(folder / f"{slot}.json", json.dumps(meta).encode("utf-8"))
    return path


def pending_recoveries(folder: Path, own_slot: str | None = None) -> list[Path]:
    """Recovery entries left by crashed sessions, newest first: not ``own_slot``'s and not
    those of a Masklet still running (another window's live entry)."""
    if not folder.exists():
        return []
    found = []
    for entry in folder.glob("*.masklet"):
        if entry.stem == own_slot or not entry.with_suffix(".json").exists():
            continue
        pid = _meta(entry).get("pid")
        if isinstance(pid, int) and pid != os.getpid() and pid_alive(pid):
            continue
        found.append(entry)
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


@dataclass
class Restored:
    """A project brought back from a recovery entry.

    Attributes:
        project: the project; its ``path`` is the original project file, if any (so Save
            writes there), and ``missing_masks`` lists tracked frames whose masks are gone.
        lost_masks: the mask folder that no longer existed (masks start empty), or None.
        lost_mask_prompts: ``(object name, frame index)`` of mask prompts whose images
            were in the lost folder: they must be given again.
    """

    project: object
    lost_masks: Path | None = None
    lost_mask_prompts: tuple[tuple[str, int], ...] = ()

    @property
    def message(self) -> str | None:
        """What the user must redo (shown after the restore), or None when nothing."""
        parts = []
        if self.lost_masks is not None:
            parts.append(f"The masks were lost ({self.lost_masks} is gone); the objects, "
                         "prompts and effects are restored.")
        missing = _missing_frames_text(self.project)
        if missing:
            parts.append(f"Track again to rebuild the masks of {missing}.")
        elif self.lost_masks is not None:
            prompted = [f"{o.name!r} (prompts on frames {', '.join(map(str, sorted(o.prompts)))})"
                        for o in self.project.objects if o.prompts]
            if prompted:
                parts.append(f"Track again from the prompts: {', '.join(prompted)}.")
        if self.lost_mask_prompts:
            redo = ", ".join(f"{name!r} on frame {f}" for name, f in self.lost_mask_prompts)
            parts.append(f"Mask prompts to give again: {redo}.")
        return " ".join(parts) or None


def _missing_frames_text(project) -> str:
    """``'dog' (frames 0–11, 20)`` for each object with ``missing_masks``; "" if none."""
    from editor.model.persistence import frame_runs

    names = {o.object_id: o.name for o in project.objects}
    parts = []
    for oid, frames in sorted(project.missing_masks.items()):
        runs = ", ".join(f"{a}" if b == a + 1 else f"{a}–{b - 1}" for a, b in frame_runs(frames))
        parts.append(f"{names.get(oid, f'object {oid}')!r} (frames {runs})")
    return ", ".join(parts)


def _stand_in_store(entry: Path) -> Path:
    """A new empty unsaved store beside ``entry``'s folder for an entry whose store is gone;
    the entry's sidecar now points at it."""
    from editor.model.persistence import sidecar_path

    parent = unsaved_dir(entry.parent)
    parent.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix=f"{UNSAVED_PREFIX}{os.getpid()}-", dir=parent))
    link = sidecar_path(entry)
    if link.is_symlink() or link.is_file():
        link.unlink()
    link.symlink_to(root, target_is_directory=True)
    return root


def _lost_mask_prompts(project) -> tuple[tuple[str, int], ...]:
    from editor.model.prompts import MaskPrompt

    prompts_dir = project.masks.root / "prompts"
    return tuple((obj.name, frame) for obj in project.objects
                 for frame, actions in sorted(obj.prompts.items())
                 if any(isinstance(a, MaskPrompt) and
                        not (prompts_dir / f"{a.mask_name}.png").exists() for a in actions))


def restore(entry: Path) -> Restored:
    """Load a recovery entry (removed once the project is saved). When its mask store is
    gone (a cleaned temporary folder, a deleted folder) the project comes back with empty
    masks and :attr:`Restored.message` says what to track and prompt again."""
    from editor.model.persistence import load_project, sidecar_path

    meta = _meta(entry)
    sidecar = sidecar_path(entry)
    lost = None
    if not sidecar.is_dir():  # a dangling symlink, or none at all
        lost = _link_target(sidecar) or Path(meta.get("masks") or sidecar)
        log.warning("%s: mask store %s is gone; restoring without masks", entry, lost)
        _stand_in_store(entry)
    project = load_project(entry)
    project.path = Path(meta["project_path"]) if meta.get("project_path") else None
    return Restored(project, lost, _lost_mask_prompts(project) if lost is not None else ())


def discard(entry: Path) -> None:
    """Remove a recovery entry (its files and the sidecar link; never the linked store)."""
    from editor.model.persistence import sidecar_path

    for p in (entry, entry.with_suffix(".json"), sidecar_path(entry)):
        if p.is_symlink() or p.is_file():
            p.unlink(missing_ok=True)
        elif p.is_dir():  # a stand-in folder written by an older version
            shutil.rmtree(p, ignore_errors=True)


def _store_pid(name: str) -> int | None:
    head = name[len(UNSAVED_PREFIX):].split("-", 1)[0]
    return int(head) if name.startswith(UNSAVED_PREFIX) and head.isdigit() else None


def sweep_unsaved(folder: Path) -> list[Path]:
    """Remove the unsaved stores in ``unsaved_dir(folder)`` that no recovery entry refers
    to and whose process is gone (it closed without removing them, or its entry was
    discarded). Returns the folders removed."""
    stores = unsaved_dir(folder)
    if not stores.is_dir():
        return []
    referenced = set()
    for entry in folder.glob("*.masklet"):
        for target in (_link_target(entry.with_name(entry.name + ".d")),
                       _meta(entry).get("masks")):
            if target:
                referenced.add(Path(target).resolve())
    removed = []
    for store in stores.iterdir():
        pid = _store_pid(store.name)
        if (pid is None or store.is_symlink() or not store.is_dir() or pid == os.getpid()
                or store.resolve() in referenced or pid_alive(pid)):
            continue
        shutil.rmtree(store, ignore_errors=True)
        removed.append(store)
    return removed


class Autosave:
    """The open project's recovery entry in ``folder`` (:meth:`save_now` writes it while the
    project is dirty) and the entry it was restored from; never-saved projects' masks go to
    that folder's ``unsaved/`` (see :attr:`MaskletStore.unsaved_folder`)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.slot = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._project = None
        #: the crashed session's entry the open project came from (None: not restored);
        #: kept until the project is saved or the user lets it go
        self.restored_entry: Path | None = None

    @property
    def folder(self) -> Path:
        return self._folder

    @folder.setter
    def folder(self, folder: Path) -> None:
        self._folder = Path(folder)
        MaskletStore.unsaved_folder = unsaved_dir(self._folder)

    def start(self, project) -> None:
        self._project = project

    def save_now(self) -> Path | None:
        project = self._project
        if project is None or not project.dirty:
            return None
        try:
            return write_recovery(project, self.folder, self.slot)
        except Exception as exc:  # autosave must never interrupt editing
            log.warning("autosave failed: %s", exc)
            return None

    def restored(self, entry: Path) -> None:
        """The next project to open comes from the crashed session's ``entry``."""
        self.restored_entry = entry

    def drop_restored(self) -> None:
        """The restored work was saved or let go: do not offer its entry again."""
        if self.restored_entry is not None:
            discard(self.restored_entry)
            self.restored_entry = None

    def saved(self) -> None:
        """The project was saved: no recovery entry is needed any more."""
        discard(self.folder / f"{self.slot}.masklet")
        self.drop_restored()

    def clean_exit(self) -> None:
        self._project = None
        discard(self.folder / f"{self.slot}.masklet")
        if MaskletStore.unsaved_folder == unsaved_dir(self._folder):
            MaskletStore.unsaved_folder = None
