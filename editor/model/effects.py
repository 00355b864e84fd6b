"""Effect references as plain data: the model stores names and parameters, ``rendering``
owns the implementations (``rendering.effects``), so this stays generic."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, NamedTuple

INTERPOLATIONS = ("hold", "linear")


class Keyframe(NamedTuple):
    """``value`` at ``frame_index``, then ``interpolation`` ("hold" | "linear") to the next.
    A tuple, so it serialises as ``[frame_index, value, interpolation]``."""

    frame_index: int
    value: Any
    interpolation: str = "linear"


@dataclass
class EffectRef:
    """One effect in a stack.

    Attributes:
        name: registered effect name in ``rendering.effects`` (e.g. "background-blur").
        params: JSON-able parameter values by field name (units in the names).
        enabled: False skips the effect when rendering.
        keyframes: parameter name -> keyframes sorted by frame index.
    """

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    keyframes: dict[str, list[Keyframe]] = field(default_factory=dict)

    def copy(self) -> EffectRef:
        return EffectRef(self.name, copy.deepcopy(self.params), self.enabled,
                         {p: list(k) for p, k in self.keyframes.items()})

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "params": copy.deepcopy(self.params),
                "enabled": self.enabled,
                "keyframes": {p: [list(k) for k in ks] for p, ks in self.keyframes.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EffectRef:
        keyframes = {}
        for pname, keys in (data.get("keyframes") or {}).items():
            keyframes[str(pname)] = sorted(
                (Keyframe(int(k[0]), k[1], str(k[2]) if len(k) > 2 else "linear")
                 for k in keys), key=lambda k: k.frame_index)
        return cls(str(data["name"]), dict(data.get("params") or {}),
                   bool(data.get("enabled", True)), keyframes)
