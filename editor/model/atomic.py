"""Write files so that the final name only ever holds a complete file, and make finished
writes durable (fsync of files and of the folders that name them)."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

#: Suffix of the temp files :func:`atomic_write_bytes` creates (``.<name>.<random>.tmp``).
TEMP_SUFFIX = ".tmp"


def atomic_write_bytes(path: Path, data: bytes, fsync: bool = True) -> None:
    """Write ``data`` to a temp file beside ``path``, optionally fsync, then rename over
    ``path`` (and, with ``fsync``, fsync the folder so the rename itself is durable).
    On any error the temp file is removed and ``path`` is untouched."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file where the folder should be: say that, not "exists"
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR),
                                 str(path.parent)) from None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if fsync:
        fsync_dir(path.parent)


def is_temp_name(name: str) -> bool:
    """True for the names of :func:`atomic_write_bytes`'s temp files."""
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


def fsync_file(path: Path) -> None:
    """Flush one file's data to the disk (a missing file is skipped)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make the entries of folder ``path`` (renames, new files) durable. Where folders
    cannot be opened (Windows) this does nothing: there the file system orders it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _copy_synced(src: str, dst: str) -> str:
    shutil.copyfile(src, dst)
    fsync_file(Path(dst))
    return dst


def copy_tree_synced(src: Path, dst: Path) -> None:
    """Copy folder ``src`` to the new folder ``dst`` (must not exist) with every file and
    folder fsynced; temp files of interrupted writes are left behind."""
    shutil.copytree(src, dst, copy_function=_copy_synced,
                    ignore=lambda _d, names: [n for n in names if is_temp_name(n)])
    for folder, _dirs, _files in os.walk(dst):
        fsync_dir(Path(folder))
