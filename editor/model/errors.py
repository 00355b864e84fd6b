"""User-fixable errors of the document model (``user_error = True``: printed without a traceback)."""

from __future__ import annotations


class ProjectError(Exception):
    """A project file or its sidecar cannot be used; the message names the file and the fix."""

    user_error = True


class CorruptProjectError(ProjectError):
    """The ``.masklet`` file is not valid JSON or not a Masklet project."""


class NewerSchemaError(ProjectError):
    """The project was written by a newer Masklet (higher major schema version)."""


class RelinkError(ProjectError):
    """The chosen replacement media does not match the project's probe snapshot."""


class StoreError(ProjectError):
    """The masklet store cannot read or write its sidecar folder."""


def os_error_text(exc: OSError) -> str:
    """What went wrong, for a one-line message: ``exc.strerror``, or for an error without
    one — ``shutil.Error`` from a copy lists ``(source, destination, reason)`` per file —
    the first file's reason and how many more failed; never ``"None"``."""
    if exc.strerror:
        return exc.strerror
    details = exc.args[0] if exc.args else None
    if isinstance(details, list) and details and isinstance(details[0], tuple) \
            and len(details[0]) == 3:
        source, _destination, reason = details[0]
        more = f", and {len(details) - 1} more files" if len(details) > 1 else ""
        return f"{reason}, copying {source}{more}"
    return str(exc) or type(exc).__name__


class MediaMismatchError(RelinkError):
    """The project's source clip is missing or no longer matches the project's snapshot."""


class MissingMasksError(StoreError):
    """Masks of frames the project says were tracked are missing from its mask folder."""
