"""Per-object memory bank: conditioning and non-conditioning frame outputs.

Each stored output carries what later frames read (spatial memory in bfloat16, object
pointer) and what prompts/outputs re-use (low-res logits, object score). With the "window"
policy, non-conditioning outputs that no pass can read any more are dropped, so the state is
bounded by the prompts and the look-back window, not by the clip length.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import Tensor


@dataclass
class FrameOutput:
    """One object's output on one frame.

    Attributes:
        low_res: (1, S/4, S/4) float32 logits (−1024 when absent).
        obj_ptr: (C,) object pointer, model dtype.
        object_score: object-presence logit (> 0 = present).
        memory: (mem_dim, H, W) bfloat16 spatial memory, None until encoded.
        from_prompt: produced by a prompt (its memory is encoded from the binarised mask).
    """

    low_res: Tensor
    obj_ptr: Tensor
    object_score: float
    memory: Tensor | None = None
    from_prompt: bool = False

    @property
    def nbytes(self) -> int:
        tensors = [self.low_res, self.obj_ptr] + ([self.memory] if self.memory is not None else [])
        return sum(t.numel() * t.element_size() for t in tensors)


@dataclass
class ObjectMemory:
    """Conditioning outputs (kept) and non-conditioning outputs (windowed) of one object."""

    cond: dict[int, FrameOutput] = field(default_factory=dict)
    non_cond: dict[int, FrameOutput] = field(default_factory=dict)

    def output(self, frame_index: int) -> FrameOutput | None:
        """The stored output of a frame (conditioning first), or None."""
        out = self.cond.get(frame_index)
        return out if out is not None else self.non_cond.get(frame_index)

    def prune(self, current: int, reverse: bool, lookback: int) -> None:
        """Drop non-conditioning outputs that no pass can read any more ("window" policy).

        Kept: the ``lookback`` frames behind ``current`` in the tracking direction, and
        the ``lookback`` frames on both sides of every conditioning frame (a pass that
        starts at a conditioning frame reads the previous pass's neighbours there).
        """
        def needed(frame: int) -> bool:
            behind = frame - current if reverse else current - frame
            if 0 <= behind <= lookback:
                return True
            return any(abs(frame - c) <= lookback for c in self.cond)

        for frame in [f for f in self.non_cond if not needed(f)]:
            del self.non_cond[frame]

    @property
    def nbytes(self) -> int:
        outs = list(self.cond.values()) + list(self.non_cond.values())
        return sum(o.nbytes for o in outs)

    def clear(self) -> None:
        self.cond.clear()
        self.non_cond.clear()
