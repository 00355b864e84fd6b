"""Temporary output names, the final switch, and leftovers of killed runs.

Outputs are written under a hidden temporary name in the destination folder (same file
system, so :func:`os.replace` is atomic) and switched in only when complete: the final name
never holds a half-written file. The temporary name carries the writer's process id, so the
next run into the same place removes partials whose process is gone. What an output may
replace is decided before writing, by :mod:`rendering.media.outputs`.
"""

from __future__ import annotations

import errno
import os
import shutil
import uuid
from pathlib import Path

from rendering.errors import DiskFullError, MediaError
from rendering.media.outputs import PARTIAL, FolderLayout, classify


def temp_sibling(final: Path) -> Path:
    """A unique hidden name next to ``final`` that keeps its suffix (muxers look at it):
    ``.STEM.partial-PID-TAG.SUFFIX``."""
    return final.with_name(f".{final.stem}.partial-{os.getpid()}-{uuid.uuid4().hex[:8]}"
                           f"{final.suffix}")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    except OSError:
        return False
    return True


def remove_stale_partials(final: Path) -> list[Path]:
    """Remove hidden partial outputs of ``final`` left by killed runs; returns them.

    Only our own names for ``final`` whose process is gone are removed (partials written by
    a version without a process id in the name are always stale)."""
    final = Path(final)
    try:
        siblings = list(final.parent.iterdir())
    except OSError:
        return []
    removed = []
    for entry in siblings:
        m = PARTIAL.match(entry.name)
        if not m or m["stem"] != final.stem or m["suffix"] != final.suffix:
            continue
        if m["pid"] is not None and _alive(int(m["pid"])):
            continue
        discard(entry)
        removed.append(entry)
    return removed


def commit(temp: Path, final: Path, layout: FolderLayout | None = None) -> None:
    """Move the finished ``temp`` file or folder to ``final``.

    A file replaces ``final`` in one rename. A folder is renamed into place when ``final``
    does not exist or is empty; otherwise (a folder :func:`outputs.check_existing` accepted)
    its files are moved in one by one, each a rename, and our own files (by ``layout``) that
    the new output does not have are removed: nothing else in ``final`` is touched."""
    if not temp.is_dir() or not final.exists():
        os.replace(temp, final)
        return
    try:
        final.rmdir()  # succeeds only when empty
    except OSError as exc:
        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise
        _merge(temp, final, layout or FolderLayout(root_frames=True, object_folders=True))
        return
    os.replace(temp, final)


def _merge(temp: Path, final: Path, layout: FolderLayout) -> None:
    new = sorted(p.relative_to(temp) for p in temp.rglob("*") if p.is_file())
    for rel in new:
        (final / rel).parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp / rel, final / rel)
    kept = set(new)
    # classify lists an object folder after its files, so it is empty when reached if none
    # of its files is kept
    for path in classify(final, layout).ours:
        if path.relative_to(final) in kept:
            continue
        if path.is_dir():
            try:
                path.rmdir()
            except OSError:
                pass
        else:
            path.unlink(missing_ok=True)
    shutil.rmtree(temp, ignore_errors=True)


def discard(temp: Path) -> None:
    """Remove a temporary file or folder; never raises."""
    try:
        if temp.is_dir() and not temp.is_symlink():
            shutil.rmtree(temp, ignore_errors=True)
        elif temp.exists() or temp.is_symlink():
            temp.unlink()
    except OSError:
        pass


def translate_os_error(exc: OSError, final: Path) -> MediaError:
    """A user-facing error for an OS failure while writing ``final`` (disk full, no
    permission, missing folder)."""
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return DiskFullError(f"{final}: the disk is full — free some space or export to "
                             "another drive")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return MediaError(f"{final}: no permission to write here — choose another folder")
    if exc.errno == errno.ENOENT:
        return MediaError(f"{final}: the folder does not exist — choose an existing folder")
    return MediaError(f"{final}: could not write the file ({exc.strerror or exc})")
