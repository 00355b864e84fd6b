"""What an output may replace, and what it must never write over — one place for every writer
(export job, ``track``) and both front ends.

Rules:

* **An output is never an input.** The output path may not be the source, a mask folder being
  read, a media file an effect uses or the project's own files — compared after resolving
  symlinks, through hard links (same device and inode), and as folders: an output inside an
  input folder, or a folder output whose frame files would replace an input, is refused.
* **We replace only what we wrote.** An existing output *file* is replaced when it carries our
  tag (:data:`TAG`, written into the container's ``comment`` metadata) or when the user asked to
  overwrite. An existing output *folder* is used when it holds only our own files (frame PNGs
  ``00000.png …``, object folders ``<id>/00000.png …`` and ``summary.json``, by layout); when it
  holds anything else it is refused unless the user asked to overwrite, and even then only our
  own files are replaced or removed — other files and subfolders stay as they are.
* **No leftovers.** Outputs are written under a hidden temporary name beside the final one
  and switched in by :mod:`rendering.media.atomic`, which also removes partials of a killed run.

Refusals raise :class:`OutputRefusedError` (a user error: one line, exit code 2) before anything
is written.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rendering.errors import MediaError

#: The ``comment`` metadata our video files carry: an existing file with it may be replaced.
TAG = "Written by Masklet"

_FRAME = re.compile(r"^\d{5,}\.png$")
#: Hidden partial outputs (``.STEM.partial-PID-TAG.SUFFIX``, see rendering.media.atomic; older
#: versions wrote no PID).
PARTIAL = re.compile(r"^\.(?P<stem>.*)\.partial-(?:(?P<pid>\d+)-)?[0-9a-f]{8}(?P<suffix>.*)$")
# per-file temporaries of atomic writes inside our folders (``.00012.png.tmp-…``)
_FILE_TEMP = re.compile(r"^\.\d{5,}\.png\.[^/]*tmp[^/]*$")


class OutputRefusedError(MediaError):
    """The output would replace an input or files we did not write; nothing was touched."""


class OutputExistsError(OutputRefusedError):
    """The output exists and holds what we did not write: the user may agree to overwrite
    (``--overwrite`` / the export dialog's confirmation) and run again. ``foreign``: the
    entries of a folder output that are not ours (paths relative to it), empty for a file."""

    def __init__(self, message: str, foreign: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.foreign = foreign


@dataclass(frozen=True)
class FolderLayout:
    """Which entries of an output folder are ours.

    Attributes:
        root_frames: ``00000.png …`` directly in the folder (PNG sequence exports).
        object_folders: ``<object_id>/00000.png …`` (mask exports, ``track``).
        extra_files: other file names we write at the top (``summary.json``).
    """

    root_frames: bool = False
    object_folders: bool = False
    extra_files: tuple[str, ...] = ()


#: ``render --preset png-rgba`` and other image sequences.
FRAMES = FolderLayout(root_frames=True)
#: ``render --preset mask-pngs``.
MASKS = FolderLayout(object_folders=True)
#: ``track -o DIR``.
TRACK = FolderLayout(object_folders=True, extra_files=("summary.json",))


@dataclass(frozen=True)
class FolderContents:
    """An existing folder's entries split into ours (files and empty-able object folders)
    and everything else."""

    ours: tuple[Path, ...]
    foreign: tuple[Path, ...]


def _ours_file(name: str) -> bool:
    return bool(_FRAME.match(name) or _FILE_TEMP.match(name))


def classify(folder: Path, layout: FolderLayout) -> FolderContents:
    """Split the entries of ``folder`` (which exists) by ``layout``. Files inside an object
    folder are listed one by one; the object folder itself is ours when it holds nothing
    else."""
    ours: list[Path] = []
    foreign: list[Path] = []
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if entry.is_symlink():
            foreign.append(entry)
        elif entry.is_file() and ((layout.root_frames and _ours_file(name))
                                  or name in layout.extra_files):
            ours.append(entry)
        elif entry.is_dir() and layout.object_folders and name.isdigit():
            inner = sorted(entry.iterdir())
            mine = [p for p in inner if p.is_file() and not p.is_symlink()
                    and _ours_file(p.name)]
            ours.extend(mine)
            others = [p for p in inner if p not in mine]
            if others:
                foreign.extend(others)
            else:
                ours.append(entry)
        elif PARTIAL.match(name):
            continue  # our own temporaries (rendering.media.atomic)
        else:
            foreign.append(entry)
    return FolderContents(tuple(ours), tuple(foreign))


# -- inputs ----------------------------------------------------------------------------------

def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _within(path: Path, folder: Path) -> bool:
    """``path`` is ``folder`` or lies under it (both resolved)."""
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def refuse_inputs(output: Path | str, inputs: Iterable[Path | str | None],
                  layout: FolderLayout | None = None) -> None:
    """Raise :class:`OutputRefusedError` when writing ``output`` could touch an input.

    ``inputs``: files and folders the job reads (None entries are ignored). ``layout``: the
    output is a folder of that layout (its own frame files would be replaced), else a file.
    """
    out = Path(output)
    out_resolved = out.resolve()
    ours: list[Path] | None = None  # our files in an existing output folder, listed once
    for item in inputs:
        if item is None or str(item) == "":
            continue
        src = Path(item)
        src_resolved = src.resolve()
        if out_resolved == src_resolved or _same_file(out, src):
            raise OutputRefusedError(f"{out}: this is an input of the export ({src}) — "
                                     "choose another output name")
        if src_resolved.is_dir() and _within(out_resolved, src_resolved):
            raise OutputRefusedError(f"{out}: lies inside {src}, which the export reads — "
                                     "choose an output outside it")
        if layout is not None and out_resolved.is_dir() and \
                _within(src_resolved, out_resolved):
            if ours is None:
                ours = [p.resolve() for p in classify(out_resolved, layout).ours]
            if any(_within(src_resolved, p) or _same_file(src, p) for p in ours):
                raise OutputRefusedError(f"{out}: the export would replace {src}, which it "
                                         "reads — choose another output folder")


# -- existing outputs ------------------------------------------------------------------------

def written_by_us(path: Path) -> bool:
    """True when ``path`` is a media file carrying :data:`TAG` (an earlier export of ours)."""
    try:
        import av  # lazy: only asked about existing outputs

        with av.open(str(path), metadata_errors="ignore") as container:
            meta = {k.lower(): v for k, v in container.metadata.items()}
    except Exception:  # not a media file PyAV can open: not one of ours
        return False
    return meta.get("comment") == TAG


def check_existing(output: Path | str, layout: FolderLayout | None, overwrite: bool) -> None:
    """Refuse an existing output that holds what we did not write, unless ``overwrite``.

    ``layout`` None: a file output. A folder output must not be a file and vice versa."""
    out = Path(output)
    if not out.exists() and not out.is_symlink():
        return
    if layout is None:
        if out.is_dir():
            raise OutputRefusedError(f"{out}: is a folder — give a file name for this preset")
        if not overwrite and not written_by_us(out):
            raise OutputExistsError(f"{out}: already exists and was not written by Masklet "
                                     "— pass --overwrite to replace it, or choose another name")
        return
    if not out.is_dir():
        raise OutputRefusedError(f"{out}: is a file, not a folder — give a folder name for "
                                 "this preset")
    foreign = classify(out, layout).foreign
    if foreign and not overwrite:
        shown = ", ".join(p.name for p in foreign[:3]) + (" …" if len(foreign) > 3 else "")
        raise OutputExistsError(
            f"{out}: the folder holds files Masklet did not write ({shown}) — choose an empty "
            "or new folder, or pass --overwrite (only Masklet's own frame files are replaced; "
            "your other files stay)", tuple(p.relative_to(out).as_posix() for p in foreign))


def check_output(output: Path | str, inputs: Iterable[Path | str | None],
                 layout: FolderLayout | None, overwrite: bool) -> None:
    """Every check before an output is written: inputs, then what exists there."""
    refuse_inputs(output, inputs, layout)
    check_existing(output, layout, overwrite)


def remove_ours(folder: Path | str, layout: FolderLayout) -> list[Path]:
    """Remove our own files (and object folders left empty) from ``folder`` by ``layout``;
    everything else stays. Returns what was removed. For writers that fill a folder in
    place (``track``), after :func:`check_output` accepted it."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    for path in classify(folder, layout).ours:  # an object folder comes after its files
        try:
            path.rmdir() if path.is_dir() else path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed
