"""Tracker errors, under :class:`segmentation.errors.SegmentationError` like every error of
``segmentation``; those a user can fix carry ``user_error = True``. A prompt the tracker
cannot use is the package's one :class:`~segmentation.errors.PromptError`."""

from __future__ import annotations

from segmentation.errors import PromptError, SegmentationError

__all__ = ["PromptError", "TrackerError", "TrackerOutOfMemoryError"]


class TrackerError(SegmentationError):
    """Base class of tracker errors."""


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
