"""Plain data the timeline draws (built from the project and its masklet store). Qt-free."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` → (r, g, b) 0..255."""
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


#: Object score below which a present object's frame is marked "check this frame": log 3,
#: i.e. sigmoid(score) < 0.75.
CHECK_SCORE: float = 1.0986


@dataclass
class LaneData:
    """One object's lane.

    ``frames``: int64 frame indices with a known object score; ``scores``: float32 logits
    (> 0 present; ≤ 0 lost) for those frames; ``prompt_frames``: frames with prompts."""

    object_id: int
    name: str
    rgb: tuple[int, int, int]
    visible: bool = True
    frames: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    prompt_frames: tuple[int, ...] = ()

    @property
    def covered(self) -> np.ndarray:
        """Frame indices where the object has a mask (score > 0)."""
        return self.frames[self.scores > 0]

    @property
    def lost(self) -> np.ndarray:
        """Frame indices where the tracker lost the object (score ≤ 0)."""
        return self.frames[~(self.scores > 0)]

    @property
    def doubtful(self) -> np.ndarray:
        """Frames worth checking: present, but sigmoid(score) < 0.75 (the offline engine's
        confidence c = 2·sigmoid(score) − 1 below 0.5; a borderline SAM 2 presence)."""
        return self.frames[(self.scores > 0) & (self.scores < CHECK_SCORE)]

    def coverage(self) -> int:
        return int((self.scores > 0).sum())


def lanes_from_project(project) -> list[LaneData]:
    """A lane per object, in the project's z-order, top of the list = top object."""
    lanes = []
    for obj in reversed(project.objects):
        frames, scores = project.masks.scores(obj.object_id)
        keep = ~np.isnan(scores)
        lanes.append(LaneData(obj.object_id, obj.name, hex_to_rgb(obj.colour), obj.visible,
                              frames[keep], scores[keep], tuple(obj.prompted_frames())))
    return lanes


def runs(frames: np.ndarray) -> list[tuple[int, int]]:
    """Sorted frame indices → ``[(first, last_inclusive), ...]`` of consecutive runs."""
    if len(frames) == 0:
        return []
    f = np.sort(frames)
    breaks = np.nonzero(np.diff(f) > 1)[0]
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [len(f) - 1]])
    return [(int(f[a]), int(f[b])) for a, b in zip(starts, ends, strict=True)]
