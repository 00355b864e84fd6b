"""Qt-free document model: project, objects, prompt history, effect stacks, undo, masklet store.

Public API (all importable from ``editor.model``)::

    project = Project(source_path=Path("clip.mp4"),
                      media=MediaSnapshot.from_media_info(rendering.media.probe(path)))
    project = load_project("a.masklet")         # ProjectError subclasses are user errors
    save_project(project, "a.masklet")          # a kill at any moment leaves the old or
                                                # the new project whole; keeps a.masklet.bak
                                                # (with its masks); masks go to a generation
                                                # folder of a.masklet.d/ ; marks it clean
    project.check_media(), project.check_masks()  # MediaMismatchError / MissingMasksError
                                                # (project.missing_masks: frames to re-track)
    project.relink(new_path)                    # after load, if project.media_missing;
                                                # project.relink_candidate is a suggestion

Document fields (read freely; change only through commands)::

    project.source_path, project.media (frame_count, fps "30000/1001", width, height,
    duration_s), project.objects (z-order, index 0 at the bottom) of ProjectObject(
    object_id, name, colour "#rrggbb", visible, prompts {frame_index: [actions]}, effects
    [EffectRef], refinement {}), project.background_effects [EffectRef],
    project.in_frame / project.out_frame (out exclusive, None = clip end),
    project.export (ExportSettings: preset, output_path, scale, crf, audio; the range is
    in_frame..out_frame),
    project.engine (EngineSettings: engine "sam2"|"offline", model_name, device, dtype)
    project.object(object_id), project.effect_stack(owner)  # owner: object id | None = bg

Prompt actions (x, y in source pixels): PointPrompt(x, y, label 1|0), BoxPrompt(x0, y0, x1,
y1), MaskPrompt(mask_name) (``project.masks.put_prompt_mask(mask) -> name``;
``project.prompt_mask(action) -> H×W float32``), ClearPrompts(). ``effective_actions(history)``
gives the actions that still count (after the last ClearPrompts, from the last MaskPrompt):
what the tracker replays and the viewer shows.

Effects: EffectRef(name, params, enabled, keyframes {param: [Keyframe(frame_index, value,
"hold"|"linear")]}); implementations live in ``rendering.effects``.

Edits (undoable; ``project.execute(cmd)``; ``project.undo_stack`` has undo(), redo(),
can_undo, can_redo, undo_label, redo_label, is_clean, ``transaction(label)``)::

    AddObject(project, name=None) (.object_id after execute), RemoveObject(project, oid),
    RenameObject(project, oid, name), RecolourObject(project, oid, "#rrggbb"),
    SetObjectVisible(project, oid, bool), SetObjectField(project, oid, "refinement", {...}),
    MoveObject(project, oid, new_index), AddPrompt(project, oid, frame_index, action),
    ClearFramePrompts(project, oid, frame_index), InsertEffect(project, owner, EffectRef,
    index=None), RemoveEffect(project, owner, index), MoveEffect(project, owner, from, to),
    SetEffect(project, owner, index, EffectRef), SetEffectParam(project, owner, index,
    param, value) (consecutive ones merge until undo_stack.end_merge()), SetKeyframe(project, owner, index, param,
    Keyframe(...), remove=False), SetRange(project, in_frame, out_frame),
    SetExportSettings(project, ExportSettings(...)), SetEngineSettings(project, ...)

    with project.undo_stack.transaction("Add object"):   # one undo step; rolls back on error
        add = AddObject(project); project.execute(add)
        project.execute(AddPrompt(project, add.object_id, 0, PointPrompt(10, 20, 1)))

Events: ``project.events.connect(callback, *event_types)``; callback(event) with ObjectAdded,
ObjectRemoved, ObjectChanged(object_id, field), PromptsChanged(object_id, frame_index),
EffectsChanged(owner), RangeChanged, SettingsChanged(which), MediaChanged, MasksChanged(
object_id, frame_indices) (from the writer's thread!), Saved(path), DirtyChanged(dirty).
Callbacks run on the emitting thread; exceptions are logged, never propagated.

Masks: ``project.masks`` is a MaskletStore: write(oid, frame_index, logits H×W float32 | None,
object_score, low_res_logits=None), write_alpha(oid, frame_index, uint8 alpha, score),
read(oid, frame_index) -> H×W float32 [0, 1] | None (the effects' mask source),
read_alpha -> uint8 | None, read_low_res_logits, frames_with_mask(oid), scores(oid) ->
(frame_indices, scores), delete_object, clear_range(oid, start, end), flush(), close().
"""

from __future__ import annotations

from editor.model.commands import (
                                   AddObject,
                                   AddPrompt,
                                   ClearFramePrompts,
                                   InsertEffect,
                                   MoveEffect,
                                   MoveObject,
                                   RecolourObject,
                                   RemoveEffect,
                                   RemoveObject,
                                   RenameObject,
                                   SetEffect,
                                   SetEffectParam,
                                   SetEngineSettings,
                                   SetExportSettings,
                                   SetKeyframe,
                                   SetObjectField,
                                   SetObjectVisible,
                                   SetRange,
                                   SetSettings,
)
from editor.model.effects import EffectRef, Keyframe
from editor.model.errors import (
                                   CorruptProjectError,
                                   NewerSchemaError,
                                   ProjectError,
                                   RelinkError,
                                   StoreError,
)
from editor.model.events import (
                                   DirtyChanged,
                                   EffectsChanged,
                                   EventEmitter,
                                   MasksChanged,
                                   MediaChanged,
                                   ObjectAdded,
                                   ObjectChanged,
                                   ObjectRemoved,
                                   PromptsChanged,
                                   RangeChanged,
                                   Saved,
                                   SettingsChanged,
)
from editor.model.persistence import load_project, save_project, sidecar_path
from editor.model.project import (
                                   EngineSettings,
                                   ExportSettings,
                                   MediaSnapshot,
                                   Project,
                                   ProjectObject,
)
from editor.model.prompts import (
                                   BoxPrompt,
                                   ClearPrompts,
                                   MaskPrompt,
                                   PointPrompt,
                                   PromptAction,
                                   effective_actions,
)
from editor.model.store import MaskletStore, logits_to_alpha
from editor.model.undo import Command, CompoundCommand, UndoStack

__all__ = [
    "AddObject", "AddPrompt", "BoxPrompt", "ClearFramePrompts", "ClearPrompts", "Command",
    "CompoundCommand", "CorruptProjectError", "DirtyChanged", "EffectRef", "EffectsChanged",
    "EngineSettings", "EventEmitter", "ExportSettings", "InsertEffect", "Keyframe",
    "MaskPrompt", "MaskletStore", "MasksChanged", "MediaChanged", "MediaSnapshot",
    "MoveEffect", "MoveObject", "NewerSchemaError", "ObjectAdded", "ObjectChanged",
    "ObjectRemoved", "PointPrompt", "Project", "ProjectError", "ProjectObject", "PromptAction",
    "PromptsChanged", "RangeChanged", "RecolourObject", "RelinkError", "RemoveEffect",
    "RemoveObject", "RenameObject", "Saved", "SetEffect", "SetEffectParam",
    "SetEngineSettings", "SetExportSettings", "SetKeyframe", "SetObjectField",
    "SetObjectVisible", "SetRange", "SetSettings", "SettingsChanged", "StoreError",
    "UndoStack",
    "effective_actions", "load_project", "logits_to_alpha", "save_project", "sidecar_path",
]
