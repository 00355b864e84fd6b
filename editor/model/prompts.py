"""Prompt actions: what the user gave on one frame of one object, in order.

SAM 2 feeds the previous result back with each new click, so only the ordered history of
these actions replays exactly. Coordinates are (x, y) pixels in the source frame (after
rotation), boxes are xyxy in the same frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PointPrompt:
    """A click at (x, y) source pixels; ``label`` 1 = include, 0 = exclude."""

    x: float
    y: float
    label: int = 1


@dataclass(frozen=True)
class BoxPrompt:
    """A box ``(x0, y0, x1, y1)`` in source pixels, x0 <= x1, y0 <= y1."""

    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class MaskPrompt:
    """A mask prompt; the H×W mask lives in the store's sidecar as ``prompts/<mask_name>.png``
    (see :meth:`MaskletStore.put_prompt_mask`)."""

    mask_name: str


@dataclass(frozen=True)
class ClearPrompts:
    """Forget the earlier actions on this frame (the next action starts a fresh prompt)."""


PromptAction = PointPrompt | BoxPrompt | MaskPrompt | ClearPrompts

_KINDS: dict[str, type] = {"point": PointPrompt, "box": BoxPrompt, "mask": MaskPrompt,
                           "clear": ClearPrompts}
_NAMES = {cls: name for name, cls in _KINDS.items()}


def prompt_to_json(action: PromptAction) -> dict[str, Any]:
    """``{"kind": "point", "x": .., "y": .., "label": ..}`` and so on."""
    data: dict[str, Any] = {"kind": _NAMES[type(action)]}
    data.update(vars(action))
    return data


def prompt_from_json(data: dict[str, Any]) -> PromptAction:
    """Inverse of :func:`prompt_to_json`; unknown keys are ignored. Raises ValueError/KeyError."""
    cls = _KINDS[data["kind"]]
    if cls is PointPrompt:
        return PointPrompt(float(data["x"]), float(data["y"]), int(data.get("label", 1)))
    if cls is BoxPrompt:
        return BoxPrompt(*(float(data[k]) for k in ("x0", "y0", "x1", "y1")))
    if cls is MaskPrompt:
        name = str(data["mask_name"])
        if not name.isalnum():  # put_prompt_mask names are hex digests: never a path
            raise ValueError(f"bad mask prompt name {name!r}")
        return MaskPrompt(name)
    return ClearPrompts()


def effective_actions(history: list[PromptAction]) -> list[PromptAction]:
    """The actions of one frame's history that still count — the one rule for what the
    engine replays and what the viewer shows: nothing before the last :class:`ClearPrompts`,
    and a :class:`MaskPrompt` replaces everything before it (it is kept, first)."""
    tail: list[PromptAction] = []
    for action in history:
        if isinstance(action, ClearPrompts | MaskPrompt):
            tail = []
        if not isinstance(action, ClearPrompts):
            tail.append(action)
    return tail
