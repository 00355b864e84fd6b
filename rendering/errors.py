"""Exceptions raised by :mod:`rendering`.

Errors a user can fix (a missing or corrupt file, a full disk, an output name whose extension
does not fit the chosen codec) set the class attribute ``user_error = True``: ``main.py`` prints
their one-line message without a traceback and exits with code 2. The message always names
the file and says what to do.
"""

from __future__ import annotations


class RenderingError(Exception):
    """Base class of every error raised by the rendering package (a bug unless a subclass
    says otherwise)."""

    user_error = False


class MediaError(RenderingError):
    """A media file cannot be opened, read or written (missing, corrupt, unsupported).

    The message names the file and the problem, e.g.
    ``"clip.mp4: not a video (no video stream) — open a video file"``.
    """

    user_error = True


class DiskFullError(MediaError):
    """Writing an output file failed because the disk is full (ENOSPC)."""


class OutputSettingsError(MediaError):
    """The output settings do not fit together (e.g. ProRes into an ``.mp4`` file, odd frame
    size for a 4:2:0 codec)."""
