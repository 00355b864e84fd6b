"""Project save/load: equality, versioning, corrupt files, atomic save, relinking."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import editor.model.atomic as atomic
from editor.model import (
    AddObject,
    AddPrompt,
    BoxPrompt,
    ClearPrompts,
    CorruptProjectError,
    EffectRef,
    EngineSettings,
    ExportSettings,
    Keyframe,
    MaskPrompt,
    MediaSnapshot,
    NewerSchemaError,
    PointPrompt,
    Project,
    ProjectError,
    RelinkError,
    load_project,
    save_project,
)


def full_project(tmp_path: Path) -> Project:
    video = tmp_path / "media" / "clip.mp4"
    video.parent.mkdir()
    video.write_bytes(b"not really a video")
    project = Project(source_path=video, media=MediaSnapshot(289, "30000/1001", 1280, 720,
                                                             9.64))
    add = AddObject(project, name="dog")
    project.execute(add)
    oid = add.object_id
    mask = np.zeros((720, 1280), bool)
    mask[100:200, 300:400] = True
    mask_name = project.masks.put_prompt_mask(mask)
    for action in (PointPrompt(10.5, 20.25, 1), PointPrompt(30, 40, 0),
                   BoxPrompt(1, 2, 300, 400), ClearPrompts(), MaskPrompt(mask_name)):
        project.execute(AddPrompt(project, oid, 12, action))
    project.execute(AddPrompt(project, oid, 200, PointPrompt(5, 6, 1)))
    obj = project.object(oid)
    obj.effects.append(EffectRef("object-blur", {"radius_px": 12.0}, True,
                                 {"radius_px": [Keyframe(0, 4.0, "linear"),
                                                Keyframe(30, 40.0, "hold")]}))
    obj.refinement = {"threshold": 0.5, "feather_px": 2}
    project.background_effects.append(EffectRef("background-color", {"colour": "#00ff00"},
                                                False))
    project.in_frame, project.out_frame = 5, 250
    project.export = ExportSettings("prores4444", "/out/x.mov", 0.5, 20, False)
    project.engine = EngineSettings("offline", "sam2.1_hiera_small", "cpu", "bfloat16")
    return project


def test_save_load_equality(tmp_path):
    project = full_project(tmp_path)
    path = save_project(project, tmp_path / "p.masklet")
    loaded = load_project(path)
    assert loaded == project
    assert loaded.objects[0].prompts[12][-1] == project.objects[0].prompts[12][-1]
    assert loaded.objects[0].effects[0].keyframes["radius_px"][1] == (30, 40.0, "hold")
    assert loaded.source_path == project.source_path
    # mask prompt survives in the sidecar, bit exact
    restored = loaded.prompt_mask(loaded.objects[0].prompts[12][-1])
    assert restored.shape == (720, 1280) and restored[150, 350] == 1 and restored[0, 0] == 0
    data = json.loads(path.read_text())
    assert data["format"] == "masklet" and data["schema_version"] == 2
    assert data["source"]["path"] == "media/clip.mp4"  # relative to the project file
    assert not project.dirty


def test_unknown_keys_are_kept(tmp_path):
    path = save_project(full_project(tmp_path), tmp_path / "p.masklet")
    data = json.loads(path.read_text())
    data["future_thing"] = {"a": 1}
    data["schema_version"] = "2.7"
    data["objects"][0]["halo"] = True
    path.write_text(json.dumps(data))
    loaded = load_project(path)
    save_project(loaded, path)
    again = json.loads(path.read_text())
    assert again["future_thing"] == {"a": 1} and again["objects"][0]["halo"] is True


def test_newer_schema_is_refused(tmp_path):
    path = save_project(full_project(tmp_path), tmp_path / "p.masklet")
    data = json.loads(path.read_text())
    data["schema_version"] = 3
    path.write_text(json.dumps(data))
    with pytest.raises(NewerSchemaError, match="newer Masklet.*update") as info:
        load_project(path)
    assert info.value.user_error and str(path) in str(info.value)


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00", b"[1, 2]",
                                     b'{"format": "other"}'])
def test_corrupt_file_names_the_file(tmp_path, content):
    path = tmp_path / "broken.masklet"
    path.write_bytes(content)
    with pytest.raises(CorruptProjectError) as info:
        load_project(path)
    assert str(path) in str(info.value) and info.value.user_error


def test_damaged_fields_are_a_user_error(tmp_path):
    path = tmp_path / "d.masklet"
    path.write_text(json.dumps({"format": "masklet", "schema_version": 1,
                                "objects": [{"name": "no id"}]}))
    with pytest.raises(CorruptProjectError, match="d.masklet"):
        load_project(path)


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(ProjectError, match="not found"):
        load_project(tmp_path / "nope.masklet")


def test_atomic_save_survives_failure(tmp_path, monkeypatch):
    project = full_project(tmp_path)
    path = save_project(project, tmp_path / "p.masklet")
    before = path.read_bytes()
    project.in_frame = 7
    real_replace = os.replace

    def failing_replace(src, dst):
        if Path(dst) == path:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", failing_replace)
    with pytest.raises(ProjectError, match="previous file is unchanged"):
        save_project(project, path)
    assert path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    monkeypatch.undo()
    save_project(project, path)
    assert (tmp_path / "p.masklet.bak").read_bytes() == before  # previous save kept
    assert load_project(path).in_frame == 7


def test_masks_move_into_sidecar_on_first_save(tmp_path):
    project = full_project(tmp_path)
    temp_root = project.masks.root
    alpha = np.full((4, 6), 200, np.uint8)
    project.masks.write_alpha(1, 3, alpha, 2.5)
    save_project(project, tmp_path / "p.masklet")
    assert project.masks.root == tmp_path / "p.masklet.d" / "g000001"
    assert not temp_root.exists()
    loaded = load_project(tmp_path / "p.masklet")
    assert np.array_equal(loaded.masks.read_alpha(1, 3), alpha)
    # save as: the masks are copied, the first project keeps its own
    save_project(loaded, tmp_path / "other" / "q.masklet")
    loaded.masks.write_alpha(1, 4, alpha, 1.0)
    assert np.array_equal(load_project(tmp_path / "other" / "q.masklet").masks.read_alpha(1, 3),
                          alpha)
    assert load_project(tmp_path / "p.masklet").masks.read_alpha(1, 4) is None


def _probe(frames: int, width: int, height: int):
    return lambda path: SimpleNamespace(frame_count=frames, width=width, height=height,
                                        avg_rate=30, duration_s=frames / 30)


def test_relinking(tmp_path):
    project = full_project(tmp_path)
    save_project(project, tmp_path / "p.masklet")
    os.remove(project.source_path)
    moved = tmp_path / "clip.mp4"  # next to the project, same name
    moved.write_bytes(b"x")
    loaded = load_project(tmp_path / "p.masklet")
    assert loaded.media_missing and loaded.relink_candidate == moved
    with pytest.raises(RelinkError, match="does not match") as info:
        loaded.relink(moved, probe=_probe(100, 1280, 720))
    assert info.value.user_error and loaded.media_missing
    loaded.relink(moved, probe=_probe(289, 1280, 720))
    assert loaded.source_path == moved and not loaded.media_missing
    assert loaded.relink_candidate is None and loaded.dirty


def test_a_mask_prompt_name_that_is_a_path_is_refused(tmp_path):
    """A damaged or crafted project must not make the store read files outside it."""
    path = save_project(full_project(tmp_path), tmp_path / "p.masklet")
    data = json.loads(path.read_text())
    action = next(a for o in data["objects"] for p in o["prompts"] for a in p["actions"]
                  if a["kind"] == "mask")
    action["mask_name"] = "../../../../etc/hostname"
    path.write_text(json.dumps(data))
    with pytest.raises(CorruptProjectError, match="mask prompt name"):
        load_project(path)
