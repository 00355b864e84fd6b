"""Undo/redo of every command kind, merging, transactions, observers."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from editor.model import (
    AddObject,
    AddPrompt,
    BoxPrompt,
    ClearFramePrompts,
    DirtyChanged,
    EffectRef,
    EffectsChanged,
    EngineSettings,
    ExportSettings,
    InsertEffect,
    Keyframe,
    MasksChanged,
    MoveEffect,
    MoveObject,
    ObjectAdded,
    ObjectChanged,
    PointPrompt,
    Project,
    PromptsChanged,
    RangeChanged,
    RecolourObject,
    RemoveEffect,
    RemoveObject,
    RenameObject,
    Saved,
    SetEffect,
    SetEffectParam,
    SetEngineSettings,
    SetExportSettings,
    SetKeyframe,
    SetObjectField,
    SetObjectVisible,
    SetRange,
    save_project,
)
from editor.model.persistence import project_to_json


def snapshot(project: Project) -> dict:
    return copy.deepcopy(project_to_json(project, Path("/tmp/x.masklet")))


@pytest.fixture
def project() -> Project:
    p = Project()
    for name in ("a", "b", "c"):
        p.execute(AddObject(p, name=name))
    p.execute(AddPrompt(p, 1, 4, PointPrompt(1, 2, 1)))
    blur = EffectRef("object-blur", {"radius_px": 3.0},
                     keyframes={"radius_px": [Keyframe(0, 1.0, "linear")]})
    p.execute(InsertEffect(p, 1, blur))
    p.execute(InsertEffect(p, None, EffectRef("background-dim", {"amount": 0.5})))
    p.execute(InsertEffect(p, None, EffectRef("background-blur", {"radius_px": 9})))
    p.undo_stack.clear()
    return p


COMMANDS = {
    "add object": lambda p: AddObject(p, name="new"),
    "remove object": lambda p: RemoveObject(p, 2),
    "rename": lambda p: RenameObject(p, 1, "dog"),
    "recolour": lambda p: RecolourObject(p, 1, "#123456"),
    "hide": lambda p: SetObjectVisible(p, 3, False),
    "refinement": lambda p: SetObjectField(p, 1, "refinement", {"threshold": 0.3}),
    "reorder": lambda p: MoveObject(p, 3, 0),
    "add point": lambda p: AddPrompt(p, 1, 4, PointPrompt(7, 8, 0)),
    "add box on new frame": lambda p: AddPrompt(p, 2, 9, BoxPrompt(1, 2, 3, 4)),
    "clear prompts": lambda p: ClearFramePrompts(p, 1, 4),
    "insert effect": lambda p: InsertEffect(p, 2, EffectRef("object-fill"), 0),
    "remove effect": lambda p: RemoveEffect(p, None, 0),
    "move effect": lambda p: MoveEffect(p, None, 0, 1),
    "set effect": lambda p: SetEffect(p, 1, 0, EffectRef("object-blur", {}, False)),
    "set param": lambda p: SetEffectParam(p, 1, 0, "radius_px", 20.0),
    "set new param": lambda p: SetEffectParam(p, None, 1, "feather_px", 2),
    "add keyframe": lambda p: SetKeyframe(p, 1, 0, "radius_px", Keyframe(10, 5.0, "hold")),
    "replace keyframe": lambda p: SetKeyframe(p, 1, 0, "radius_px", Keyframe(0, 9.0)),
    "new keyframe track": lambda p: SetKeyframe(p, None, 0, "amount", Keyframe(3, 0.1)),
    "remove keyframe": lambda p: SetKeyframe(p, 1, 0, "radius_px", Keyframe(0, 0.0),
                                             remove=True),
    "set range": lambda p: SetRange(p, 10, 50),
    "export settings": lambda p: SetExportSettings(p, ExportSettings("vp9-alpha", "o.webm")),
    "engine settings": lambda p: SetEngineSettings(p, EngineSettings("offline")),
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_undo_redo_every_command(project, name):
    before = snapshot(project)
    project.execute(COMMANDS[name](project))
    after = snapshot(project)
    assert after != before
    assert project.undo_stack.can_undo and project.undo_stack.undo_label
    project.undo_stack.undo()
    assert snapshot(project) == before
    assert project.undo_stack.can_redo and not project.undo_stack.can_undo
    project.undo_stack.redo()
    assert snapshot(project) == after
    project.undo_stack.undo()
    project.undo_stack.redo()
    assert snapshot(project) == after


def test_parameter_drags_merge(project):
    before = snapshot(project)
    for radius in (4.0, 5.0, 6.0):
        project.execute(SetEffectParam(project, 1, 0, "radius_px", radius))
    assert project.object(1).effects[0].params["radius_px"] == 6.0
    project.undo_stack.undo()
    assert snapshot(project) == before and not project.undo_stack.can_undo
    project.undo_stack.redo()
    assert project.object(1).effects[0].params["radius_px"] == 6.0
    project.undo_stack.end_merge()  # slider released: the next drag is a new step
    project.execute(SetEffectParam(project, 1, 0, "radius_px", 7.0))
    project.execute(SetEffectParam(project, 1, 0, "radius_px", 8.0))
    project.undo_stack.undo()
    assert project.object(1).effects[0].params["radius_px"] == 6.0


def test_transaction_is_one_step(project):
    before = snapshot(project)
    with project.undo_stack.transaction("Add object"):
        add = AddObject(project, name="x")
        project.execute(add)
        project.execute(AddPrompt(project, add.object_id, 0, PointPrompt(1, 1, 1)))
        project.execute(InsertEffect(project, add.object_id, EffectRef("object-glow")))
    after = snapshot(project)
    assert project.undo_stack.undo_label == "Add object"
    project.undo_stack.undo()
    assert snapshot(project) == before
    project.undo_stack.redo()
    assert snapshot(project) == after


def test_transaction_rolls_back_on_error(project):
    before = snapshot(project)
    with pytest.raises(ValueError, match="out point"):
        with project.undo_stack.transaction("Broken"):
            project.execute(RenameObject(project, 1, "renamed"))
            project.execute(RemoveObject(project, 2))
            project.execute(SetRange(project, 10, 5))  # invalid: raises
    assert snapshot(project) == before
    assert not project.undo_stack.can_undo


def test_limit_and_clean_state(tmp_path, project):
    project.undo_stack.limit = 3
    save_project(project, tmp_path / "p.masklet")
    assert not project.dirty
    for i in range(5):
        project.execute(RenameObject(project, 1, f"n{i}"))
    assert project.dirty
    while project.undo_stack.can_undo:
        project.undo_stack.undo()
    assert project.object(1).name == "n1"  # only 3 steps kept
    assert project.dirty  # the saved state is no longer reachable


def test_undo_back_to_saved_is_clean(tmp_path, project):
    events = []
    project.events.connect(events.append, DirtyChanged, Saved)
    save_project(project, tmp_path / "p.masklet")
    project.execute(RenameObject(project, 1, "x"))
    project.undo_stack.undo()
    assert not project.dirty
    assert [type(e) for e in events] == [Saved, DirtyChanged, DirtyChanged]
    assert [e.dirty for e in events[1:]] == [True, False]


def test_observers_get_typed_events(project, caplog):
    seen = []

    def broken(event):
        raise RuntimeError("observer bug")

    project.events.connect(broken)
    project.events.connect(seen.append)
    add = AddObject(project, name="x")
    project.execute(add)
    project.execute(RecolourObject(project, add.object_id, "#00ff00"))
    project.execute(AddPrompt(project, add.object_id, 17, PointPrompt(1, 1, 1)))
    project.execute(SetEffectParam(project, None, 0, "amount", 0.9))
    project.execute(SetRange(project, 2, 8))
    project.execute(MoveObject(project, add.object_id, 0))
    project.masks.write(add.object_id, 3, np.zeros((2, 2), np.float32), 1.0)
    assert seen[1] == DirtyChanged(True)
    del seen[1]
    assert seen == [ObjectAdded(4), ObjectChanged(4, "colour"), PromptsChanged(4, 17),
                    EffectsChanged(None), RangeChanged(2, 8), ObjectChanged(4, "z_order"),
                    MasksChanged(4, (3,))]
    assert "observer bug" in caplog.text
    assert project.object(4).colour == "#00ff00"  # the broken observer changed nothing


def test_object_from_a_proposal_is_one_undo_step(project):
    from editor.app.proposals import add_object_from_mask

    mask = np.zeros((8, 8), bool)
    mask[2:5, 2:5] = True
    before = snapshot(project)
    object_id = add_object_from_mask(project, 3, mask)
    obj = project.object(object_id)
    assert np.array_equal(project.prompt_mask(obj.prompts[3][0]) > 0.5, mask)
    project.undo_stack.undo()
    assert snapshot(project) == before
    project.undo_stack.redo()
    assert project.object(object_id).prompts[3] == obj.prompts[3]
