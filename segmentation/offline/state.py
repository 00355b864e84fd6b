"""Per-object state of the offline engine: prompts per frame and the latest mask per frame.

Masks are stored bit-packed (H×W bits → H·W/8 bytes) so a long clip's results stay small.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from segmentation.offline.confidence import StepEvidence
from segmentation.offline.initial import FramePrompt


@dataclass(frozen=True)
class PackedMask:
    """A bool mask stored as bits; ``None`` in its place means "absent on that frame"."""

    bits: np.ndarray
    shape: tuple[int, int]

    @staticmethod
    def pack(mask: np.ndarray) -> PackedMask:
        return PackedMask(np.packbits(mask, axis=None), (mask.shape[0], mask.shape[1]))

    def unpack(self) -> np.ndarray:
        count = self.shape[0] * self.shape[1]
        return np.unpackbits(self.bits, count=count).reshape(self.shape).astype(bool)


@dataclass
class ObjectState:
    """One object: its prompts (by frame), anchor masks and latest outputs (by frame).

    ``outputs[f]`` is the mask last produced on frame f (``None`` = absent there);
    ``anchors`` holds the masks of prompted frames, which propagation never overwrites.
    ``tracked`` and ``dirty`` drive affected-only re-tracks (:mod:`segmentation.retrack`).
    """

    object_id: int
    prompts: dict[int, FramePrompt] = field(default_factory=dict)
    anchors: dict[int, PackedMask] = field(default_factory=dict)
    outputs: dict[int, PackedMask | None] = field(default_factory=dict)
    anchor_colors: dict[int, np.ndarray] = field(default_factory=dict)
    anchor_areas: dict[int, int] = field(default_factory=dict)
    #: colours (N×3 uint8) the user's exclude clicks removed on a prompted frame
    excluded_colors: dict[int, np.ndarray] = field(default_factory=dict)
    #: frame → confidence in [0, 1] of the output there (1 on prompted frames)
    confidence: dict[int, float] = field(default_factory=dict)
    #: frame → what the propagation step onto it measured
    evidence: dict[int, StepEvidence] = field(default_factory=dict)
    #: frame → tracked in reverse (the last pass that wrote it), for the re-track rule
    tracked: dict[int, bool] = field(default_factory=dict)
    #: prompted frames changed since the last propagation started
    dirty: set[int] = field(default_factory=set)

    def colors_near(self, frame_index: int, reverse: bool
                    ) -> tuple[np.ndarray | None, int, np.ndarray | None]:
        """Object colours (N×3 uint8), area (pixels) and excluded colours (M×3 uint8 or
        None) of the closest prompted frame at or before ``frame_index`` in the direction
        of travel (else the closest one at all)."""
        if not self.anchor_colors:
            return None, 0, None
        behind = [f for f in self.anchor_colors if (f >= frame_index if reverse
                                                    else f <= frame_index)]
        pool = behind or list(self.anchor_colors)
        best = min(pool, key=lambda f: abs(f - frame_index))
        return (self.anchor_colors[best], self.anchor_areas.get(best, 0),
                self.excluded_colors.get(best))

    def nearest_known(self, frame_index: int, reverse: bool) -> int | None:
        """Closest frame at or before ``frame_index`` in the direction of travel (after it
        when ``reverse``) that has an output, or None."""
        if reverse:
            later = [f for f in self.outputs if f >= frame_index]
            return min(later) if later else None
        earlier = [f for f in self.outputs if f <= frame_index]
        return max(earlier) if earlier else None

    def output(self, frame_index: int) -> np.ndarray | None:
        packed = self.outputs.get(frame_index)
        return None if packed is None else packed.unpack()


def merge_prompt(
    old: FramePrompt | None,
    points: np.ndarray,
    labels: np.ndarray,
    box: tuple[float, float, float, float] | None,
    mask: np.ndarray | None,
) -> FramePrompt:
    """Add new clicks (and a new box or mask, which replace the old ones) to a frame's prompt."""
    if old is None:
        return FramePrompt(points, labels, box, mask)
    return FramePrompt(
        np.concatenate([old.points, points]).astype(np.float32),
        np.concatenate([old.labels, labels]).astype(np.int32),
        box if box is not None else old.box,
        mask if mask is not None else old.mask,
    )


def as_points(
    points: Sequence[Sequence[float]] | np.ndarray | None,
    labels: Sequence[int] | np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Clicks as (N×2 float32, (N,) int32); raises ValueError when they do not match."""
    pts = np.zeros((0, 2), np.float32) if points is None else np.asarray(points, np.float32)
    if pts.size == 0:
        pts = pts.reshape(0, 2)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points must be N×2 (x, y) pixels, got shape {pts.shape}")
    if labels is None:
        labs = np.ones(len(pts), np.int32)
    else:
        labs = np.asarray(labels, np.int32).reshape(-1)
    if len(labs) != len(pts):
        raise ValueError(f"{len(pts)} points but {len(labs)} labels")
    if not np.isin(labs, (0, 1)).all():
        raise ValueError("labels must be 1 (include) or 0 (exclude)")
    return pts, labs
