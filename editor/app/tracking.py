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
from dataclasses import dataclass, field

import numpy as np

from editor.model.prompts import BoxPrompt, MaskPrompt, PointPrompt, effective_actions


@dataclass(frozen=True)
class MaskRef:
    """A mask prompt by its store name, read only when the engine is given it (on the
    engine's thread): names are content hashes, so the same name is the same mask and
    comparing prompts never decodes a PNG."""

    prompt: MaskPrompt
    read: Callable[[MaskPrompt], np.ndarray] = field(compare=False, repr=False)

    def array(self) -> np.ndarray:
        """H×W float32 [0, 1]."""
        return np.asarray(self.read(self.prompt), np.float32)


@dataclass(frozen=True)
class EnginePrompt:
    """Arguments of ``TrackingEngine.add_prompt`` for one object on one frame.

    ``points``: (x, y) source pixels; ``labels`` 1 include / 0 exclude; ``box`` xyxy source
    pixels; ``mask``: a mask prompt (alone), read by :meth:`kwargs`."""

    points: tuple[tuple[float, float], ...] = ()
    labels: tuple[int, ...] = ()
    box: tuple[float, float, float, float] | None = None
    mask: MaskRef | None = None

    def kwargs(self) -> dict:
        if self.mask is not None:
            return {"mask": self.mask.array()}
        return {"points": list(self.points) or None, "labels": list(self.labels) or None,
                "box": list(self.box) if self.box is not None else None}


def engine_prompt(history: Sequence[object],
                  mask_of: Callable[[MaskPrompt], np.ndarray]) -> EnginePrompt | None:
    """The engine prompt of one frame's history, or None when nothing is left to send
    (``mask_of`` reads a mask prompt, later, when the engine is given it)."""
    tail = effective_actions(list(history))
    if not tail:
        return None
    if isinstance(tail[-1], MaskPrompt):
        return EnginePrompt(mask=MaskRef(tail[-1], mask_of))
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
