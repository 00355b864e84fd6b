"""The tracking service's prompt replay: a frame's ordered prompt history (document model)
becomes one engine ``add_prompt`` call, the same for the window and every engine.

Qt-free. Which actions still count is the model's one rule
(:func:`editor.model.prompts.effective_actions`: nothing before the last ``ClearPrompts``, a
``MaskPrompt`` replaces what came before). Of those:

* a :class:`MaskPrompt` last: the engine gets the mask alone (the touch-up brush result);
* otherwise the clicks and the newest box are sent together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from editor.model.prompts import BoxPrompt, MaskPrompt, PointPrompt, effective_actions


@dataclass(frozen=True)
class EnginePrompt:
    """Arguments of ``TrackingEngine.add_prompt`` for one object on one frame.

    ``points``: (x, y) source pixels; ``labels`` 1 include / 0 exclude; ``box`` xyxy source
    pixels; ``mask`` H×W float32 [0, 1] (alone)."""

    points: tuple[tuple[float, float], ...] = ()
    labels: tuple[int, ...] = ()
    box: tuple[float, float, float, float] | None = None
    mask: np.ndarray | None = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EnginePrompt):
            return NotImplemented
        same_mask = (self.mask is None and other.mask is None) or (
            self.mask is not None and other.mask is not None
            and np.array_equal(self.mask, other.mask))
        return (self.points, self.labels, self.box) == (other.points, other.labels,
                                                        other.box) and same_mask

    __hash__ = None  # type: ignore[assignment]

    def kwargs(self) -> dict:
        if self.mask is not None:
            return {"mask": self.mask}
        return {"points": list(self.points) or None, "labels": list(self.labels) or None,
                "box": list(self.box) if self.box is not None else None}


def engine_prompt(history: Sequence[object],
                  mask_of: Callable[[MaskPrompt], np.ndarray]) -> EnginePrompt | None:
    """The engine prompt of one frame's history, or None when nothing is left to send."""
    tail = effective_actions(list(history))
    if not tail:
        return None
    if isinstance(tail[-1], MaskPrompt):
        return EnginePrompt(mask=np.asarray(mask_of(tail[-1]), np.float32))
    points = tuple((float(a.x), float(a.y)) for a in tail if isinstance(a, PointPrompt))
    labels = tuple(int(a.label) for a in tail if isinstance(a, PointPrompt))
    boxes = [a for a in tail if isinstance(a, BoxPrompt)]
    box = (boxes[-1].x0, boxes[-1].y0, boxes[-1].x1, boxes[-1].y1) if boxes else None
    if not points and box is None:
        return None
    return EnginePrompt(points, labels, box)


def desired_prompts(project) -> dict[tuple[int, int], EnginePrompt]:
    """``(object_id, frame_index) → EnginePrompt`` for every prompted frame of ``project``."""
    out: dict[tuple[int, int], EnginePrompt] = {}
    for obj in project.objects:
        for frame_index, history in obj.prompts.items():
            p = engine_prompt(history, project.prompt_mask)
            if p is not None:
                out[(obj.object_id, int(frame_index))] = p
    return out
