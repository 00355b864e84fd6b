"""Effect base class, evaluation context and the registry of effects by name.

An effect is an immutable (frozen) dataclass of parameters plus one pure function
``apply(frame, mask, ctx) -> frame`` (DESIGN.md principle 7):

* ``frame``: H×W×3 (RGB) or H×W×4 (RGBA) uint8, in the output's pixel grid;
* ``mask``: H×W float32 in [0, 1]. For an object effect it is the object's refined, visible
  mask (objects above it already subtracted); for a background effect it is the union of all
  objects (1 = foreground, the background is ``1 - mask``);
* ``ctx``: :class:`EffectContext` — frame index, time and read-only sources, so temporal
  effects stay functions of their inputs.

The result has the same size; it keeps the channel count except for effects that make
transparency (``background-remove``, ``cutout``), which return RGBA.

Each field's ``metadata`` drives the editor's parameter widgets: ``label``, ``kind``
(``"float" | "int" | "colour" | "file" | "choice" | "bool"``), ``min``, ``max``, ``step``,
``choices``, and for a field that may be None (off) ``none_label``, the text shown for None.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar, Protocol

import numpy as np


class MaskSource(Protocol):
    """``read(object_id, frame_index) -> H×W float32 in [0, 1] | None`` (None: no mask)."""

    def read(self, object_id: int, frame_index: int) -> np.ndarray | None: ...


class FrameReader(Protocol):
    """The part of a frame source effects use: ``len``, ``read(i) -> H×W×3 uint8 RGB``."""

    def __len__(self) -> int: ...

    def read(self, frame_index: int) -> np.ndarray: ...


@dataclass(frozen=True)
class EffectContext:
    """What an effect may know besides its frame and mask.

    Attributes:
        frame_index: index of the frame in the source clip.
        fps: exact source frame rate (frames per second).
        object_id: the object an object effect is applied for (None for background effects).
        scale: output pixels per source pixel (preview/export scale); pixel parameters are
            multiplied by it (:meth:`px`) so a preview looks like the export.
        frames: read-only frame source of the clip (source resolution), or None.
        masks: read-only mask source (source resolution), or None.
        open_media: returns a frame source for a file path (background video), or None.
    """

    frame_index: int = 0
    fps: Fraction = Fraction(30)
    object_id: int | None = None
    scale: float = 1.0
    frames: FrameReader | None = None
    masks: MaskSource | None = None
    open_media: Callable[[str], FrameReader] | None = None

    def px(self, value_px: float) -> float:
        """A source-pixel length converted to output pixels."""
        return float(value_px) * self.scale

    def with_object(self, object_id: int | None) -> EffectContext:
        return dataclasses.replace(self, object_id=object_id)


def param(default: Any, label: str, kind: str = "float", **meta: Any) -> Any:
    """A dataclass field with widget metadata (see the module docstring)."""
    return dataclasses.field(default=default, metadata={"label": label, "kind": kind, **meta})


@dataclass(frozen=True)
class Effect:
    """Base of all effects; subclasses set ``name``/``target`` and implement ``apply``."""

    name: ClassVar[str] = ""
    target: ClassVar[str] = "object"  # "object" or "background"
    makes_alpha: ClassVar[bool] = False

    def apply(self, frame: np.ndarray, mask: np.ndarray, ctx: EffectContext) -> np.ndarray:
        raise NotImplementedError

    def params(self) -> dict[str, Any]:
        """The parameters as plain JSON data."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def fields_metadata(cls) -> list[tuple[str, dict]]:
        """``(field name, widget metadata)`` for every parameter, in declaration order."""
        return [(f.name, dict(f.metadata)) for f in dataclasses.fields(cls)]


_REGISTRY: dict[str, type[Effect]] = {}


def register(cls: type[Effect]) -> type[Effect]:
    """Class decorator: make an effect available by its ``name``."""
    if not cls.name or cls.name in _REGISTRY:
        raise ValueError(f"effect name {cls.name!r} missing or registered twice")
    _REGISTRY[cls.name] = cls
    return cls


class UnknownEffectError(ValueError):
    """An effect name or parameter that does not exist (e.g. a typo on the command line)."""

    user_error = True


def _load_all() -> None:
    from rendering.effects import catalogue  # noqa: F401  (registers every effect)


def registry() -> dict[str, type[Effect]]:
    """All effects by name (loads the effect modules on first use)."""
    _load_all()
    return dict(_REGISTRY)


def effect_class(name: str) -> type[Effect]:
    _load_all()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise UnknownEffectError(f"unknown effect {name!r} — choose one of: {known}") from None


def make_effect(name: str, params: dict[str, Any] | None = None) -> Effect:
    """Build an effect from its name and (possibly partial) JSON parameters."""
    cls = effect_class(name)
    names = {f.name for f in dataclasses.fields(cls)}
    params = dict(params or {})
    unknown = set(params) - names
    if unknown:
        raise UnknownEffectError(f"effect {name!r} has no parameter(s) {sorted(unknown)}; "
                                 f"it has {sorted(names)}")
    for f in dataclasses.fields(cls):
        if f.name in params and isinstance(f.default, tuple):
            params[f.name] = tuple(params[f.name])
    return cls(**params)
