"""SAM 2 video tracker (memory bank, objects, propagation) built on ``segmentation.sam2``."""

from __future__ import annotations

from segmentation.tracker.errors import PromptError, TrackerError, TrackerOutOfMemoryError
from segmentation.tracker.settings import TrackerOptions
from segmentation.tracker.video_tracker import VideoTracker

__all__ = ["PromptError", "TrackerError", "TrackerOptions", "TrackerOutOfMemoryError",
           "VideoTracker"]
