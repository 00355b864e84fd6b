"""Model inputs per frame, produced on demand (frames are read when tracking reaches them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from torch import Tensor

from segmentation.tracker.errors import PromptError
from segmentation.tracker.preprocess import preprocess_frame


class FrameInputs:
    """``input(i)`` → (1, 3, S, S) float32 normalised model input of frame i; ``frame(i)`` →
    the original H×W×3 uint8 RGB frame, or None when built from model inputs only.

    Attributes:
        num_frames: frames in the clip.
        video_size: (height, width) of the original frames in pixels.
    """

    def __init__(self, num_frames: int, video_size: tuple[int, int],
                 loader: Callable[[int], Tensor],
                 frame_reader: Callable[[int], np.ndarray] | None = None) -> None:
        if num_frames <= 0:
            raise PromptError("the clip has no frames")
        self.num_frames = int(num_frames)
        self.video_size = (int(video_size[0]), int(video_size[1]))
        self._loader = loader
        self._frame_reader = frame_reader

    def input(self, frame_index: int) -> Tensor:
        return self._loader(frame_index)

    def frame(self, frame_index: int) -> np.ndarray | None:
        """The original frame (the guide of ``upsample="guided"``), None if not kept."""
        return None if self._frame_reader is None else self._frame_reader(frame_index)

    @classmethod
    def from_frames(cls, frames: Any, image_size: int) -> FrameInputs:
        """From an N×H×W×3 uint8 array or a frame source (``len`` + ``read(i)``)."""
        if isinstance(frames, np.ndarray):
            if frames.ndim != 4 or frames.shape[-1] < 3 or frames.dtype != np.uint8:
                raise PromptError(f"frames must be N×H×W×3 uint8, got {frames.dtype} "
                                  f"{frames.shape}")

            def read_array(i: int) -> Tensor:
                return preprocess_frame(frames[i], image_size)[None]

            return cls(len(frames), frames.shape[1:3], read_array, lambda i: frames[i, ..., :3])
        if not hasattr(frames, "read"):
            raise PromptError("frames must be an array or have len() and read(i)")
        first = np.asarray(frames.read(0))

        def read_source(i: int) -> Tensor:
            frame = first if i == 0 else np.asarray(frames.read(i))
            return preprocess_frame(frame, image_size)[None]

        return cls(len(frames), first.shape[:2], read_source,
                   lambda i: first if i == 0 else np.asarray(frames.read(i)))

    @classmethod
    def from_tensor(cls, images: Tensor, video_size: tuple[int, int]) -> FrameInputs:
        """From preprocessed N×3×S×S float32 model inputs."""
        if images.ndim != 4 or images.shape[1] != 3:
            raise PromptError(f"images must be N×3×S×S, got {tuple(images.shape)}")
        return cls(images.shape[0], video_size, lambda i: images[i: i + 1].float())
