"""Temporary output names and the final atomic rename.

Outputs are written under a hidden temporary name in the destination folder (same file
system, so :func:`os.replace` is atomic) and renamed only when complete: the final name never
holds a half-written file.
"""

from __future__ import annotations

import errno
import os
import shutil
import uuid
from pathlib import Path

from rendering.errors import DiskFullError, MediaError


def temp_sibling(final: Path) -> Path:
    """A unique hidden name next to ``final`` that keeps its suffix (muxers look at it)."""
    tag = uuid.uuid4().hex[:8]
    return final.with_name(f".{final.stem}.partial-{tag}{final.suffix}")


def commit(temp: Path, final: Path) -> None:
    """Move the finished ``temp`` file or folder to ``final``, replacing an existing file.

    An existing *folder* at ``final`` (an earlier image sequence) is removed first.
    """
    if temp.is_dir() and final.is_dir():
        shutil.rmtree(final)
    os.replace(temp, final)


def discard(temp: Path) -> None:
    """Remove a temporary file or folder; never raises."""
    try:
        if temp.is_dir():
            shutil.rmtree(temp, ignore_errors=True)
        elif temp.exists():
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
