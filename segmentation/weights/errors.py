"""Errors of the weights manager; each is something the user can fix (``user_error``)."""

from __future__ import annotations


class WeightsError(Exception):
    """Base class: a one-line message naming the file or URL and what to do."""

    user_error = True


class UnknownModelError(WeightsError):
    """A checkpoint name that is not in the registry."""


class DownloadError(WeightsError):
    """Network failure, HTTP error or a transfer cut short (the partial file is kept)."""


class DiskFullError(WeightsError):
    """No space left while writing the download (the partial file is kept)."""


class VerificationError(WeightsError):
    """A file whose size, checksum or contents are wrong (a downloaded one is removed)."""
