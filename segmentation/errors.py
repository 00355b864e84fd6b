"""Exceptions of the ``segmentation`` package.

Errors a user can fix (a missing or corrupt checkpoint, a prompt that makes no sense) carry
the class attribute ``user_error = True``: the command line prints their one-line message
without a traceback and exits with status 2.
"""

from __future__ import annotations


class SegmentationError(Exception):
    """Base class of every error raised by ``segmentation``."""

    user_error = False


class CheckpointError(SegmentationError):
    """A checkpoint file is missing, unreadable, truncated or belongs to another model."""

    user_error = True


class ConfigError(SegmentationError):
    """A model configuration (name, JSON file or dict) is unknown or malformed."""

    user_error = True


class PromptError(SegmentationError, ValueError):
    """A prompt is empty, malformed or out of range, or no image was set before predicting
    (the image predictor's and the video tracker's one prompt error)."""

    user_error = True
