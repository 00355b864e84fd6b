"""Effect instances (effect + enabled + keyframes), per-object stacks, JSON round trip.

JSON shape of one instance (what the document model stores)::

    {"name": "background-blur", "params": {"radius_px": 24.0}, "enabled": true,
     "keyframes": {"radius_px": [[0, 10.0, "linear"], [30, 40.0, "hold"]]}}
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from rendering.effects.base import Effect, UnknownEffectError, make_effect
from rendering.effects.refine import MaskRefinement
from rendering.keyframes import KeyframeTrack


@dataclass(frozen=True)
class EffectInstance:
    """One effect in a stack: base parameters, on/off, and keyframed parameters."""

    effect: Effect
    enabled: bool = True
    keyframes: tuple[tuple[str, KeyframeTrack], ...] = ()

    def __post_init__(self) -> None:
        names = {f.name for f in dataclasses.fields(self.effect)}
        for pname, _ in self.keyframes:
            if pname not in names:
                raise UnknownEffectError(f"effect {self.effect.name!r} has no parameter "
                                         f"{pname!r} to keyframe")

    def at(self, frame_index: int) -> Effect:
        """The effect with keyframed parameters evaluated at ``frame_index``."""
        if not self.keyframes:
            return self.effect
        values = {p: track.value_at(frame_index) for p, track in self.keyframes}
        return dataclasses.replace(self.effect, **values)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.effect.name, "params": self.effect.params(),
                "enabled": self.enabled,
                "keyframes": {p: t.to_json() for p, t in self.keyframes}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EffectInstance:
        return cls.from_parts(data["name"], data.get("params", {}),
                              data.get("enabled", True), data.get("keyframes", {}))

    @classmethod
    def from_parts(cls, name: str, params: dict[str, Any], enabled: bool = True,
                   keyframes: dict[str, list] | None = None) -> EffectInstance:
        """Build from plain data (e.g. the document model's ``EffectRef`` fields)."""
        tracks = tuple((p, KeyframeTrack.from_json(k)) for p, k in (keyframes or {}).items()
                       if k)
        return cls(make_effect(name, params), bool(enabled), tracks)


@dataclass(frozen=True)
class ObjectStack:
    """The effects of one object, applied bottom-up after refining its mask."""

    object_id: int
    effects: tuple[EffectInstance, ...] = ()
    refinement: MaskRefinement = field(default_factory=MaskRefinement)
    visible: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"object_id": self.object_id, "visible": self.visible,
                "refinement": dataclasses.asdict(self.refinement),
                "effects": [e.to_json() for e in self.effects]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ObjectStack:
        return cls(int(data["object_id"]),
                   tuple(EffectInstance.from_json(e) for e in data.get("effects", [])),
                   MaskRefinement(**data.get("refinement", {})), data.get("visible", True))


@dataclass(frozen=True)
class RenderStacks:
    """Everything the compositor applies: object stacks in z-order (first = bottom) and the
    background stack (applied with the union of all object masks)."""

    objects: tuple[ObjectStack, ...] = ()
    background: tuple[EffectInstance, ...] = ()

    @property
    def object_ids(self) -> tuple[int, ...]:
        return tuple(s.object_id for s in self.objects)

    @property
    def makes_alpha(self) -> bool:
        """True when an enabled effect outputs transparency (the frame becomes RGBA)."""
        every = list(self.background) + [e for s in self.objects for e in s.effects]
        return any(e.enabled and e.effect.makes_alpha for e in every)

    @property
    def media_paths(self) -> tuple[str, ...]:
        """Files the effects read (``kind="file"`` parameters that are set), in stack order."""
        every = list(self.background) + [e for s in self.objects for e in s.effects]
        return tuple(getattr(e.effect, name) for e in every
                     for name, meta in e.effect.fields_metadata()
                     if meta.get("kind") == "file" and getattr(e.effect, name))

    def to_json(self) -> dict[str, Any]:
        return {"objects": [s.to_json() for s in self.objects],
                "background": [e.to_json() for e in self.background]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RenderStacks:
        return cls(tuple(ObjectStack.from_json(s) for s in data.get("objects", [])),
                   tuple(EffectInstance.from_json(e) for e in data.get("background", [])))
