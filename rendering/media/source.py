"""The frame-source protocol and ``open_source``, which picks the right implementation.

Every frame source has ``len(source)``, ``width`` and ``height`` (pixels, after rotation),
``fps`` (exact ``Fraction``), ``read(frame_index) -> H×W×3 uint8 RGB``, ``read_rgba``,
``iter_frames(start, end)`` yielding ``(frame_index, frame)``, ``frame_time(frame_index)``
(seconds, ``Fraction``) and ``close()`` / context manager. ``read`` is thread-safe.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from rendering.media.image_sources import IMAGE_SUFFIXES, ImageFolderSource, ImageSource
from rendering.media.video_source import DEFAULT_CACHE_BYTES, VideoSource


@runtime_checkable
class FrameSource(Protocol):
    """What every part of Masklet reads frames through."""

    width: int
    height: int
    fps: Fraction

    def __len__(self) -> int: ...

    def read(self, frame_index: int) -> np.ndarray: ...

    def read_rgba(self, frame_index: int) -> np.ndarray: ...

    def iter_frames(self, start: int = 0, end: int | None = None
                    ) -> Iterator[tuple[int, np.ndarray]]: ...

    def frame_time(self, frame_index: int) -> Fraction: ...

    def close(self) -> None: ...


def open_source(path: Path | str, fps: Fraction | str | None = None,
                cache_bytes: int = DEFAULT_CACHE_BYTES
                ) -> VideoSource | ImageFolderSource | ImageSource:
    """Open a video file, an image folder or a single image as a frame source.

    Args:
        path: the media.
        fps: frame rate for image folders/images (default 30); videos use their own rate.
        cache_bytes: decoded-frame cache budget of a video source.
    Raises:
        MediaError: the path is missing, not media, damaged, or has no frames.
    """
    path = Path(path)
    if path.is_dir():
        return ImageFolderSource(path, fps)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource(path, fps)
    return VideoSource(path, cache_bytes=cache_bytes)
