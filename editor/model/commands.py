"""Undoable edits of a :class:`~editor.model.project.Project`.

Run them with ``project.execute(command)``; each records enough to undo itself exactly.
Effect stacks are addressed by ``owner`` (object id, or None for the background) and index.
Masks in the store are not part of undo (tracking recomputes them); prompt history is.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any

from editor.model.effects import INTERPOLATIONS, EffectRef, Keyframe
from editor.model.events import (
    EffectsChanged,
    ObjectChanged,
    PromptsChanged,
    RangeChanged,
    SettingsChanged,
)
from editor.model.project import EngineSettings, ExportSettings, Project, ProjectObject
from editor.model.prompts import PromptAction
from editor.model.undo import Command

_OBJECT_FIELDS = ("name", "colour", "visible", "refinement")


@dataclass
class AddObject(Command):
    """Add ``obj`` (default: ``project.new_object(name)``) on top of the z-order."""

    project: Project
    obj: ProjectObject | None = None
    name: str | None = None
    label: str = "Add object"

    def do(self) -> None:
        if self.obj is None:
            self.obj = self.project.new_object(self.name)
        self.project.insert_object(self.obj, len(self.project.objects))

    def undo(self) -> None:
        self.project.remove_object(self.obj.object_id)

    @property
    def object_id(self) -> int:
        return self.obj.object_id


@dataclass
class RemoveObject(Command):
    project: Project
    object_id: int
    label: str = "Remove object"
    _removed: tuple[ProjectObject, int] | None = None

    def do(self) -> None:
        self._removed = self.project.remove_object(self.object_id)

    def undo(self) -> None:
        obj, index = self._removed
        self.project.insert_object(obj, index)


@dataclass
class SetObjectField(Command):
    """Set ``name``, ``colour`` ("#rrggbb"), ``visible`` or ``refinement`` of an object."""

    project: Project
    object_id: int
    field_name: str
    value: Any
    label: str = ""
    _old: Any = None

    def __post_init__(self) -> None:
        if self.field_name not in _OBJECT_FIELDS:
            raise ValueError(f"{self.field_name!r} is not one of {_OBJECT_FIELDS}")
        self.label = self.label or {"name": "Rename object", "colour": "Change colour",
                                    "visible": "Show/hide object",
                                    "refinement": "Refine mask"}[self.field_name]

    def _set(self, value: Any) -> None:
        setattr(self.project.object(self.object_id), self.field_name, value)
        self.project.events.emit(ObjectChanged(self.object_id, self.field_name))

    def do(self) -> None:
        self._old = copy.deepcopy(getattr(self.project.object(self.object_id),
                                          self.field_name))
        self._set(copy.deepcopy(self.value))

    def undo(self) -> None:
        self._set(self._old)


def RenameObject(project: Project, object_id: int, name: str) -> SetObjectField:  # noqa: N802
    return SetObjectField(project, object_id, "name", name)


def RecolourObject(project: Project, object_id: int, colour: str) -> SetObjectField:  # noqa: N802
    return SetObjectField(project, object_id, "colour", colour)


def SetObjectVisible(project: Project, object_id: int,  # noqa: N802
                     visible: bool) -> SetObjectField:
    return SetObjectField(project, object_id, "visible", bool(visible))


@dataclass
class MoveObject(Command):
    """Change z-order: move the object to ``new_index`` (0 = bottom)."""

    project: Project
    object_id: int
    new_index: int
    label: str = "Reorder objects"
    _old_index: int = 0

    def _move(self, index: int) -> None:
        objects = self.project.objects
        obj = objects.pop(self.project.object_index(self.object_id))
        objects.insert(index, obj)
        self.project.events.emit(ObjectChanged(self.object_id, "z_order"))

    def do(self) -> None:
        self._old_index = self.project.object_index(self.object_id)
        self._move(self.new_index)

    def undo(self) -> None:
        self._move(self._old_index)


@dataclass
class AddPrompt(Command):
    """Append a prompt action (click, box, mask or clear) to a frame's history."""

    project: Project
    object_id: int
    frame_index: int
    action: PromptAction
    label: str = "Add prompt"

    def do(self) -> None:
        prompts = self.project.object(self.object_id).prompts
        prompts.setdefault(self.frame_index, []).append(self.action)
        self.project.events.emit(PromptsChanged(self.object_id, self.frame_index))

    def undo(self) -> None:
        prompts = self.project.object(self.object_id).prompts
        prompts[self.frame_index].pop()
        if not prompts[self.frame_index]:
            del prompts[self.frame_index]
        self.project.events.emit(PromptsChanged(self.object_id, self.frame_index))


@dataclass
class ClearFramePrompts(Command):
    """Forget the whole prompt history of an object on one frame, and the mask those
    prompts made there (the engine makes it again when undo brings the prompts back)."""

    project: Project
    object_id: int
    frame_index: int
    label: str = "Clear prompts"
    _old: list[PromptAction] | None = None

    def do(self) -> None:
        self._old = self.project.object(self.object_id).prompts.pop(self.frame_index, None)
        if self._old and self.project.masks is not None:
            self.project.masks.clear_range(self.object_id, self.frame_index,
                                           self.frame_index + 1)
        self.project.events.emit(PromptsChanged(self.object_id, self.frame_index))

    def undo(self) -> None:
        if self._old:
            self.project.object(self.object_id).prompts[self.frame_index] = self._old
        self.project.events.emit(PromptsChanged(self.object_id, self.frame_index))


class _EffectCommand(Command):
    project: Project
    owner: int | None

    def _stack(self) -> list[EffectRef]:
        return self.project.effect_stack(self.owner)

    def _changed(self) -> None:
        self.project.events.emit(EffectsChanged(self.owner))


@dataclass
class InsertEffect(_EffectCommand):
    """Insert ``effect`` at ``index`` (None = top) of the owner's stack."""

    project: Project
    owner: int | None
    effect: EffectRef
    index: int | None = None
    label: str = "Add effect"

    def do(self) -> None:
        stack = self._stack()
        self.index = len(stack) if self.index is None else self.index
        stack.insert(self.index, self.effect)
        self._changed()

    def undo(self) -> None:
        del self._stack()[self.index]
        self._changed()


@dataclass
class RemoveEffect(_EffectCommand):
    project: Project
    owner: int | None
    index: int
    label: str = "Remove effect"
    _old: EffectRef | None = None

    def do(self) -> None:
        self._old = self._stack().pop(self.index)
        self._changed()

    def undo(self) -> None:
        self._stack().insert(self.index, self._old)
        self._changed()


@dataclass
class MoveEffect(_EffectCommand):
    project: Project
    owner: int | None
    from_index: int
    to_index: int
    label: str = "Move effect"

    def _move(self, a: int, b: int) -> None:
        stack = self._stack()
        stack.insert(b, stack.pop(a))
        self._changed()

    def do(self) -> None:
        self._move(self.from_index, self.to_index)

    def undo(self) -> None:
        self._move(self.to_index, self.from_index)


@dataclass
class SetEffect(_EffectCommand):
    """Replace the effect at ``index`` (e.g. toggle ``enabled`` or change its name)."""

    project: Project
    owner: int | None
    index: int
    effect: EffectRef
    label: str = "Change effect"
    _old: EffectRef | None = None

    def do(self) -> None:
        stack = self._stack()
        self._old = stack[self.index]
        stack[self.index] = self.effect.copy()
        self._changed()

    def undo(self) -> None:
        self._stack()[self.index] = self._old
        self._changed()


@dataclass
class SetEffectParam(_EffectCommand):
    """Set one parameter; consecutive sets of the same parameter merge (slider drags)."""

    project: Project
    owner: int | None
    index: int
    param: str
    value: Any
    label: str = "Change effect parameter"
    _had: bool = False
    _old: Any = None

    def do(self) -> None:
        params = self._stack()[self.index].params
        self._had, self._old = self.param in params, copy.deepcopy(params.get(self.param))
        params[self.param] = copy.deepcopy(self.value)
        self._changed()

    def redo(self) -> None:
        self._stack()[self.index].params[self.param] = copy.deepcopy(self.value)
        self._changed()

    def undo(self) -> None:
        params = self._stack()[self.index].params
        if self._had:
            params[self.param] = self._old
        else:
            params.pop(self.param, None)
        self._changed()

    def merge(self, other: Any) -> bool:
        if not isinstance(other, SetEffectParam) or (other.owner, other.index, other.param) != (
                self.owner, self.index, self.param):
            return False
        self.value = other.value
        return True


@dataclass
class SetKeyframe(_EffectCommand):
    """Add or replace the keyframe of ``param`` at ``keyframe.frame_index``; with
    ``remove=True`` delete the keyframe at that frame instead."""

    project: Project
    owner: int | None
    index: int
    param: str
    keyframe: Keyframe
    remove: bool = False
    label: str = "Set keyframe"
    _old: list[Keyframe] | None = None

    def __post_init__(self) -> None:
        if self.keyframe.interpolation not in INTERPOLATIONS:
            raise ValueError(f"interpolation must be one of {INTERPOLATIONS}")
        if self.remove:
            self.label = "Remove keyframe"

    def do(self) -> None:
        keyframes = self._stack()[self.index].keyframes
        self._old = keyframes.get(self.param)
        kept = [k for k in self._old or [] if k.frame_index != self.keyframe.frame_index]
        if not self.remove:
            kept.append(Keyframe(*self.keyframe))
        kept.sort(key=lambda k: k.frame_index)
        if kept:
            keyframes[self.param] = kept
        else:
            keyframes.pop(self.param, None)
        self._changed()

    def undo(self) -> None:
        keyframes = self._stack()[self.index].keyframes
        if self._old is None:
            keyframes.pop(self.param, None)
        else:
            keyframes[self.param] = self._old
        self._changed()


@dataclass
class SetRange(Command):
    """Set in/out points (frame indices, out exclusive, None = clip end)."""

    project: Project
    in_frame: int
    out_frame: int | None
    label: str = "Set in/out points"
    _old: tuple[int, int | None] = (0, None)

    def _set(self, in_frame: int, out_frame: int | None) -> None:
        if out_frame is not None and out_frame <= in_frame:
            raise ValueError(f"out point {out_frame} must be after in point {in_frame}")
        self.project.in_frame, self.project.out_frame = in_frame, out_frame
        self.project.events.emit(RangeChanged(in_frame, out_frame))

    def do(self) -> None:
        self._old = (self.project.in_frame, self.project.out_frame)
        self._set(self.in_frame, self.out_frame)

    def undo(self) -> None:
        self._set(*self._old)


@dataclass
class SetSettings(Command):
    """Replace the export (``ExportSettings``) or engine (``EngineSettings``) settings."""

    project: Project
    settings: ExportSettings | EngineSettings
    label: str = "Change settings"
    _old: Any = field(default=None, repr=False)

    @property
    def _which(self) -> str:
        return "export" if isinstance(self.settings, ExportSettings) else "engine"

    def _set(self, value: Any) -> None:
        setattr(self.project, self._which, dataclasses.replace(value))
        self.project.events.emit(SettingsChanged(self._which))

    def do(self) -> None:
        self._old = getattr(self.project, self._which)
        self._set(self.settings)

    def undo(self) -> None:
        self._set(self._old)


def SetExportSettings(project: Project, settings: ExportSettings) -> SetSettings:  # noqa: N802
    return SetSettings(project, settings, "Change export settings")


def SetEngineSettings(project: Project, settings: EngineSettings) -> SetSettings:  # noqa: N802
    return SetSettings(project, settings, "Change engine settings")
