"""The project document: source media, objects with prompt histories, effect stacks,
in/out points, export and engine settings.

Widgets change the document only through commands (:meth:`Project.execute`); the fields are
plain dataclasses so headless code and tests can read them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from editor.model.effects import EffectRef
from editor.model.errors import MediaMismatchError, MissingMasksError, RelinkError
from editor.model.events import EventEmitter, MediaChanged, ObjectAdded, ObjectRemoved
from editor.model.prompts import MaskPrompt, PromptAction
from editor.model.undo import UndoStack

if TYPE_CHECKING:
    from editor.model.store import MaskletStore

#: Colours given to new objects in turn ("#rrggbb").
PALETTE = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6",
           "#bfef45", "#fabed4", "#469990")


@dataclass(frozen=True)
class MediaSnapshot:
    """What the source looked like when the project was made (for relinking checks).

    ``fps`` is an exact rate string like "30000/1001"; ``duration_s`` in seconds."""

    frame_count: int
    fps: str
    width: int
    height: int
    duration_s: float

    @property
    def rate(self) -> Fraction:
        return Fraction(self.fps)

    def mismatch(self, info: Any) -> str | None:
        """How a probed clip (``MediaInfo``, duck-typed) differs from this snapshot — frame
        count, size, or duration beyond two frames (at least 0.1 s) — or None if it matches."""
        found = (int(info.frame_count), int(info.width), int(info.height))
        if found != (self.frame_count, self.width, self.height):
            return (f"the project has {self.frame_count} frames of {self.width}×{self.height},"
                    f" this file {found[0]} frames of {found[1]}×{found[2]}")
        duration_s = float(getattr(info, "duration_s", 0) or 0)
        tolerance_s = max(0.1, 2 / float(self.rate)) if self.rate > 0 else 0.1
        if self.duration_s > 0 and duration_s > 0 and \
                abs(duration_s - self.duration_s) > tolerance_s:
            return (f"the project's clip lasts {self.duration_s:.3f} s, this file "
                    f"{duration_s:.3f} s")
        return None

    @classmethod
    def from_media_info(cls, info: Any) -> MediaSnapshot:
        """From ``rendering.media.probe(path)``'s MediaInfo (duck-typed)."""
        return cls(int(info.frame_count), str(Fraction(info.avg_rate)), int(info.width),
                   int(info.height), float(info.duration_s))


@dataclass
class ProjectObject:
    """One tracked object.

    Attributes:
        object_id: stable id (also the tracker's object id and the store's folder name).
        name, colour ("#rrggbb"), visible.
        prompts: frame index -> ordered history of prompt actions on that frame.
        effects: the object's effect stack, applied bottom (index 0) to top.
        refinement: mask refinement parameters (plain data for ``rendering``).
        extra: unknown keys read from a newer file, written back unchanged.
    """

    object_id: int
    name: str
    colour: str = "#e6194b"
    visible: bool = True
    prompts: dict[int, list[PromptAction]] = field(default_factory=dict)
    effects: list[EffectRef] = field(default_factory=list)
    refinement: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.object_id

    def prompted_frames(self) -> list[int]:
        return sorted(f for f, h in self.prompts.items() if h)


@dataclass
class ExportSettings:
    """The export dialog's last choices (the range is the project's in/out points):
    ``crf``: constant quality replacing the preset's (None = the preset's); ``audio``: copy
    the source's audio."""

    preset: str = "h264"
    output_path: str = ""
    scale: float = 1.0
    crf: int | None = None
    audio: bool = True


@dataclass
class EngineSettings:
    """``engine``: "sam2" or "offline"; ``dtype``: "auto" | "float32" | "bfloat16" |
    "float16" ("auto": bfloat16 where the device runs it natively, see
    :mod:`segmentation.sam2.precision`)."""

    engine: str = "sam2"
    model_name: str = "sam2.1_hiera_tiny"
    device: str = "auto"
    dtype: str = "auto"


@dataclass(eq=False)
class Project:
    """The document. ``objects`` is in z-order (index 0 is drawn first, at the bottom).

    ``in_frame``/``out_frame`` are frame indices, ``out_frame`` exclusive (None = clip end).
    ``path`` is the ``.masklet`` file (None until saved); ``masks`` the masklet store.
    Equality (``==``) compares the document content only.
    """

    source_path: Path | None = None
    media: MediaSnapshot | None = None
    objects: list[ProjectObject] = field(default_factory=list)
    background_effects: list[EffectRef] = field(default_factory=list)
    in_frame: int = 0
    out_frame: int | None = None
    export: ExportSettings = field(default_factory=ExportSettings)
    engine: EngineSettings = field(default_factory=EngineSettings)
    extra: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    masks: MaskletStore | None = None
    events: EventEmitter = field(default_factory=EventEmitter)
    undo_stack: UndoStack = field(default_factory=UndoStack)
    #: Set by load when ``source_path`` is missing and a same-named file sits next to the
    #: project: offer it to the user, then call :meth:`relink`.
    relink_candidate: Path | None = None
    #: Object id → frames the saved file says were tracked whose masks are missing (set by
    #: load; they read as never tracked, so the editor shows them as needing re-tracking).
    missing_masks: dict[int, tuple[int, ...]] = field(default_factory=dict)

    _CONTENT = ("source_path", "media", "objects", "background_effects", "in_frame",
                "out_frame", "export", "engine", "extra")

    def __post_init__(self) -> None:
        self.undo_stack.attach(self.events)
        if self.masks is None:
            from editor.model.store import MaskletStore
            self.masks = MaskletStore.temporary()
        self.masks.subscribe(self.events.emit)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Project):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self._CONTENT)

    # -- queries -------------------------------------------------------------------------
    @property
    def background(self) -> list[EffectRef]:
        return self.background_effects

    @property
    def media_missing(self) -> bool:
        return self.source_path is not None and not Path(self.source_path).exists()

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.is_clean

    def object(self, object_id: int) -> ProjectObject:
        for obj in self.objects:
            if obj.object_id == object_id:
                return obj
        raise KeyError(f"no object with id {object_id}")

    def object_index(self, object_id: int) -> int:
        return self.objects.index(self.object(object_id))

    def effect_stack(self, owner: int | None) -> list[EffectRef]:
        """The effect list of object ``owner``, or the background stack for None."""
        return self.background_effects if owner is None else self.object(owner).effects

    def next_object_id(self) -> int:
        return max((o.object_id for o in self.objects), default=0) + 1

    def new_object(self, name: str | None = None) -> ProjectObject:
        """A fresh (not yet added) object with the next id and palette colour."""
        oid = self.next_object_id()
        return ProjectObject(oid, name or f"Object {oid}", PALETTE[(oid - 1) % len(PALETTE)])

    def prompt_mask(self, action: MaskPrompt) -> np.ndarray:
        """H×W float32 [0, 1] mask of a :class:`MaskPrompt`."""
        return self.masks.get_prompt_mask(action.mask_name)

    # -- edits ---------------------------------------------------------------------------
    def execute(self, command: Any) -> None:
        """Run an undoable command (see :mod:`editor.model.commands`) and record it."""
        self.undo_stack.push(command)

    def missing_masks_message(self) -> str | None:
        """One line naming the mask folder and the objects with missing masks, or None."""
        if not self.missing_masks:
            return None
        names = {o.object_id: o.name for o in self.objects}
        parts = []
        for oid, frames in sorted(self.missing_masks.items()):
            span = f"{frames[0]}" if len(frames) == 1 else f"{frames[0]}–{frames[-1]}"
            parts.append(f"{names.get(oid, oid)!r} on {len(frames)} frames ({span})")
        return (f"{self.masks.root}: masks missing for {', '.join(parts)} that the project "
                "says were tracked")

    def check_masks(self) -> None:
        """Raise :class:`MissingMasksError` if masks the project says were tracked are
        missing (see ``missing_masks``)."""
        message = self.missing_masks_message()
        if message:
            raise MissingMasksError(f"{message} — open the project in Masklet and track "
                                    "again, or put the mask folder back")

    def check_media(self, probe: Any = None) -> None:
        """Raise :class:`MediaMismatchError` when the source clip is missing or no longer
        matches the project's snapshot. ``probe(path) -> MediaInfo``."""
        if self.source_path is None:
            return
        if self.media_missing:
            raise MediaMismatchError(f"{self.source_path}: the project's clip is missing — "
                                     "relink: open the project in Masklet and choose the clip")
        if self.media is None:
            return
        if probe is None:
            from rendering.media import probe
        problem = self.media.mismatch(probe(Path(self.source_path)))
        if problem:
            raise MediaMismatchError(f"{self.source_path}: the clip no longer matches the "
                                     f"project ({problem}) — relink: open the project in "
                                     "Masklet and choose the original clip")

    def relink(self, new_path: Path | str, probe: Any = None) -> None:
        """Point the project at moved media after checking it matches the snapshot
        (see :meth:`MediaSnapshot.mismatch`). ``probe(path) -> MediaInfo``; default
        ``rendering.media``'s. Raises :class:`RelinkError` when it does not match."""
        new_path = Path(new_path)
        if probe is None:
            from rendering.media import probe
        info = probe(new_path)
        snap = self.media
        problem = snap.mismatch(info) if snap is not None else None
        if problem:
            raise RelinkError(f"{new_path}: does not match the project's media ({problem}) "
                              "— choose the original clip")
        if snap is None:
            self.media = MediaSnapshot.from_media_info(info)
        self.source_path = new_path
        self.relink_candidate = None
        self.undo_stack.mark_dirty()
        self.events.emit(MediaChanged(new_path))

    def insert_object(self, obj: ProjectObject, index: int) -> None:
        """Raw: put ``obj`` at z position ``index`` and emit :class:`ObjectAdded`."""
        self.objects.insert(index, obj)
        self.events.emit(ObjectAdded(obj.object_id))

    def remove_object(self, object_id: int) -> tuple[ProjectObject, int]:
        """Raw: take the object out (its masks stay in the store until the tracker
        recomputes them). Returns ``(object, former index)``."""
        index = self.object_index(object_id)
        obj = self.objects.pop(index)
        self.events.emit(ObjectRemoved(object_id))
        return obj, index
