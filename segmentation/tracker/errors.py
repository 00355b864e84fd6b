"""Tracker errors; those a user can fix carry ``user_error = True``."""

from __future__ import annotations


class TrackerError(Exception):
    """Base class of tracker errors."""


class PromptError(TrackerError, ValueError):
    """A prompt that cannot be used (empty, malformed, out of range)."""

    user_error = True


class TrackerOutOfMemoryError(TrackerError, MemoryError):
    """The device ran out of memory on a frame; results yielded before it are kept."""

    user_error = True

    def __init__(self, frame_index: int, device: str) -> None:
        super().__init__(
            f"Out of {device} memory while tracking frame {frame_index}: use a smaller model "
            "(e.g. sam2.1_hiera_t), bfloat16/float16 precision, or fewer objects at once; "
            "frames tracked before it are kept."
        )
        self.frame_index = frame_index
