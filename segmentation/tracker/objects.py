"""Per-object tracking state: prompts, pending outputs, memory bank, tracked frames."""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import Tensor

from segmentation.tracker.memory_bank import FrameOutput, ObjectMemory


@dataclass(frozen=True)
class PointPrompt:
    """Points of one frame in model-input pixels: coords (1, P, 2) float32, labels (1, P) int32."""

    coords: Tensor
    labels: Tensor

    @property
    def num_points(self) -> int:
        return int(self.labels.shape[1])


@dataclass(frozen=True)
class MaskPrompt:
    """A mask prompt resized to the model input: (1, 1, S, S) float32 in {0, 1}."""

    mask: Tensor


@dataclass
class PendingOutput:
    """A prompt's output not yet memory-encoded (encoded when the next propagation starts)."""

    output: FrameOutput
    is_cond: bool


@dataclass
class TrackedObject:
    """Everything the tracker holds for one object id."""

    object_id: int
    memory: ObjectMemory = field(default_factory=ObjectMemory)
    prompts: dict[int, PointPrompt | MaskPrompt] = field(default_factory=dict)
    pending: dict[int, PendingOutput] = field(default_factory=dict)
    #: frame index → tracked in reverse (official ``frames_tracked_per_obj``)
    tracked: dict[int, bool] = field(default_factory=dict)

    def previous_logits(self, frame_index: int, is_cond: bool) -> Tensor | None:
        """Low-res logits a new click on this frame refines (official lookup order)."""
        pending = self.pending.get(frame_index)
        if pending is not None and pending.is_cond == is_cond:
            return pending.output.low_res
        out = self.memory.output(frame_index)
        return None if out is None else out.low_res

    def current_output(self, frame_index: int, is_cond: bool) -> FrameOutput | None:
        """The output shown for this frame after a prompt call (pending first)."""
        pending = self.pending.get(frame_index)
        if pending is not None and pending.is_cond == is_cond:
            return pending.output
        return self.memory.output(frame_index)

    def reset(self) -> None:
        self.memory.clear()
        self.prompts.clear()
        self.pending.clear()
        self.tracked.clear()
