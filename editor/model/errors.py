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
