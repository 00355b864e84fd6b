"""Plain data shared by every tracking engine (SAM 2 video tracker and the offline engine).

The editor drives either engine through :class:`TrackingEngine`, so both return the same
:class:`FrameResult` with SAM 2's mask conventions:

* ``logits``: O×H×W float32 at video resolution, > 0 inside the object, soft;
  an object that is absent on the frame is exactly :data:`ABSENT_LOGIT` everywhere.
* ``object_scores``: (O,) float32, > 0 when the object is judged present.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

#: Logit value SAM 2 writes for an object that is absent on a frame (or has no output there).
ABSENT_LOGIT: float = -1024.0


@runtime_checkable
class FrameSource(Protocol):
    """Anything with ``len(source)`` and ``read(i) -> H×W×3 uint8 RGB`` (frame index i ≥ 0)."""

    def __len__(self) -> int: ...

    def read(self, frame_index: int) -> np.ndarray: ...


@dataclass(frozen=True)
class FrameResult:
    """One frame's output for every object the engine holds.

    Attributes:
        frame_index: index of the frame in the clip (0-based).
        object_ids: ids of the objects, in the order of the first axis of the arrays below.
        logits: O×H×W float32 at video resolution; > 0 inside; exactly −1024 when absent.
        low_res_logits: O×h×w float32 (S/4×S/4 for SAM 2) — what the model keeps for the frame.
        object_scores: (O,) float32 object-presence logits, > 0 = present.
    """

    frame_index: int
    object_ids: tuple[int, ...]
    logits: np.ndarray
    low_res_logits: np.ndarray
    object_scores: np.ndarray

    def mask(self, object_id: int) -> np.ndarray:
        """H×W bool mask of one object (logit > 0)."""
        return self.logits[self.object_ids.index(object_id)] > 0

    def is_present(self, object_id: int) -> bool:
        return bool(self.object_scores[self.object_ids.index(object_id)] > 0)


class TrackingEngine(Protocol):
    """What the editor and the ``track`` CLI need from an engine (SAM 2 or offline).

    Coordinates are (x, y) pixels in the original frame; boxes are ``[x0, y0, x1, y1]``;
    labels are 1 = include, 0 = exclude; a mask prompt is H×W (bool or 0..1 float).
    """

    def add_prompt(
        self,
        frame_index: int,
        object_id: int,
        points: Sequence[Sequence[float]] | np.ndarray | None = None,
        labels: Sequence[int] | np.ndarray | None = None,
        box: Sequence[float] | np.ndarray | None = None,
        mask: np.ndarray | None = None,
        clear: bool = True,
    ) -> FrameResult: ...

    #: frames the latest ``propagate`` visits (set when its generator starts)
    planned_frames: int

    def propagate(
        self, start: int | None = None, reverse: bool = False, max_frames: int | None = None,
        affected_only: bool = False, frame_range: tuple[int, int] | None = None,
    ) -> Iterator[FrameResult]:
        """One result per frame. ``affected_only``: re-track only the frames the prompts
        changed since the last pass could change (:mod:`segmentation.retrack`);
        ``frame_range`` ``(first, end)``: only frames ``first <= f < end``."""

    def cancel(self) -> None: ...

    def remove_object(self, object_id: int) -> None: ...

    def reset(self) -> None: ...
