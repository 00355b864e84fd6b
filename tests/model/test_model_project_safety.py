"""Projects that lost their masks or their clip, malformed files, leftovers, the backup."""

from __future__ import annotations

import json
import os
import shutil
import time
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

import main
from editor.model import (
    AddObject,
    CorruptProjectError,
    EffectRef,
    InsertEffect,
    MediaSnapshot,
    Project,
    ProjectObject,
    load_project,
    save_project,
)
from editor.model.errors import MissingMasksError
from editor.model.persistence import sidecar_path
from rendering.media import probe
from rendering.synthetic import CIRCLE_ID, SyntheticClip

CLIP = SyntheticClip(width=96, height=64, num_frames=8, fps=Fraction(25))


def tracked_project(tmp_path: Path) -> Path:
    """A saved project: the circle tracked on every frame, filled green when rendered."""
    video = CLIP.write(tmp_path / "clip.mp4", with_audio=False)
    project = Project(source_path=video, media=MediaSnapshot.from_media_info(probe(video)))
    project.execute(AddObject(project, ProjectObject(CIRCLE_ID, "circle")))
    project.execute(InsertEffect(project, CIRCLE_ID,
                                 EffectRef("object-fill", {"colour": "#00ff00"})))
    for i in range(CLIP.num_frames):
        logits = np.where(CLIP.mask(i, CIRCLE_ID), 20.0, -20.0).astype(np.float32)
        project.masks.write(CIRCLE_ID, i, logits, 5.0)
    return save_project(project, tmp_path / "p.masklet")


def render(path: Path, out: Path, capsys) -> tuple[int, str]:
    rc = main.main(["render", str(path), "-o", str(out), "--preset", "png-rgba"])
    return rc, capsys.readouterr().err


def test_a_missing_mask_folder_is_an_error_in_render(tmp_path, capsys):
    path = tracked_project(tmp_path)
    folder = load_project(path).masks.root
    shutil.rmtree(folder)
    rc, err = render(path, tmp_path / "seq", capsys)
    assert rc == 2 and str(folder) in err and "'circle' on 8 frames (0–7)" in err
    assert "track again" in err and "Traceback" not in err
    assert not (tmp_path / "seq").exists()


def test_missing_frames_read_as_untracked_until_tracked_again(tmp_path, capsys):
    path = tracked_project(tmp_path)
    root = load_project(path).masks.root
    for f in (2, 3):
        (root / "masks" / str(CIRCLE_ID) / f"{f:06d}.png").unlink()
    project = load_project(path)
    assert project.missing_masks == {CIRCLE_ID: (2, 3)}
    frames, _ = project.masks.scores(CIRCLE_ID)  # the timeline shows them as not tracked
    assert frames.tolist() == [0, 1, 4, 5, 6, 7]
    with pytest.raises(MissingMasksError, match="'circle' on 2 frames"):
        project.check_masks()
    save_project(project)  # saving without tracking keeps saying they need it
    assert load_project(path).missing_masks == {CIRCLE_ID: (2, 3)}
    logits = np.where(CLIP.mask(2, CIRCLE_ID), 20.0, -20.0).astype(np.float32)
    project.masks.write(CIRCLE_ID, 2, logits, 5.0)  # tracked again
    project.masks.write(CIRCLE_ID, 3, None, -1.0)  # the object is absent there now
    save_project(project)
    again = load_project(path)
    assert again.missing_masks == {}
    again.check_masks()
    assert render(path, tmp_path / "seq", capsys)[0] == 0


def test_an_unreadable_mask_is_an_error_in_render(tmp_path, capsys):
    path = tracked_project(tmp_path)
    png = load_project(path).masks.root / "masks" / str(CIRCLE_ID) / "000001.png"
    png.write_bytes(png.read_bytes()[:20])
    rc, err = render(path, tmp_path / "seq", capsys)
    assert rc == 2 and str(png) in err and "Traceback" not in err


@pytest.mark.parametrize("change", ["shorter", "smaller", "missing"])
def test_a_clip_that_no_longer_matches_is_a_relink_error_in_render(tmp_path, capsys, change):
    path = tracked_project(tmp_path)
    video = tmp_path / "clip.mp4"
    video.unlink()
    if change != "missing":
        other = SyntheticClip(width=96 if change == "shorter" else 64, height=64,
                              num_frames=5 if change == "shorter" else 8, fps=Fraction(25))
        other.write(video, with_audio=False)
    rc, err = render(path, tmp_path / "seq", capsys)
    assert rc == 2 and str(video) in err and "relink" in err and "Traceback" not in err
    assert not (tmp_path / "seq").exists()


def test_a_matching_clip_passes_the_media_check(tmp_path):
    project = load_project(tracked_project(tmp_path))
    project.check_media()
    assert project.media.mismatch(probe(project.source_path)) is None


# -- malformed files ---------------------------------------------------------------------
WRONG_VALUES = [None, 5, -1, 2.5, float("inf"), "x", "", [], {}, [1, "a"], {"a": []}, True]


def _paths(value, prefix=()):
    """Every (path, value) inside a JSON document."""
    yield prefix, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*prefix, i))


def _replaced(doc, path, value):
    doc = json.loads(json.dumps(doc))
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


def test_any_wrong_json_type_is_one_corrupt_project_error(tmp_path):
    """Every value of a full project file replaced by values of other types: loading
    either works or raises CorruptProjectError naming the file — never anything else."""
    path = tracked_project(tmp_path)
    project = load_project(path)
    project.objects[0].prompts = {0: []}
    project.objects[0].effects[0].keyframes = {"opacity": [(0, 1.0, "hold")]}
    save_project(project)
    doc = json.loads(path.read_text())
    broken = tmp_path / "broken.masklet"
    shutil.copytree(sidecar_path(path), sidecar_path(broken))
    corrupt = 0
    for where, _ in list(_paths(doc))[1:]:
        if where in (("format",), ("schema_version",)):
            continue
        for value in WRONG_VALUES:
            broken.write_text(json.dumps(_replaced(doc, where, value)))
            try:
                load_project(broken).masks.close()
            except CorruptProjectError as exc:
                assert str(broken) in str(exc) and "\n" not in str(exc)
                corrupt += 1
    assert corrupt > 100


@pytest.mark.parametrize("objects", [5, "abc", {"id": 1}, [None], [{"id": "one"}]])
def test_objects_of_the_wrong_type_exit_2_in_render(tmp_path, capsys, objects):
    path = tracked_project(tmp_path)
    doc = json.loads(path.read_text())
    doc["objects"] = objects
    path.write_text(json.dumps(doc))
    rc, err = render(path, tmp_path / "seq", capsys)
    assert rc == 2 and "damaged project" in err and str(path) in err
    assert "Traceback" not in err


def test_a_generation_outside_the_sidecar_is_refused(tmp_path):
    path = tracked_project(tmp_path)
    doc = json.loads(path.read_text())
    doc["masks"]["generation"] = "../../elsewhere"
    path.write_text(json.dumps(doc))
    with pytest.raises(CorruptProjectError, match="not a mask folder name"):
        load_project(path)


# -- leftovers and the backup ------------------------------------------------------------
def _age(*paths: Path) -> None:
    past = time.time() - 3600
    for p in paths:
        os.utime(p, (past, past))


def test_stale_temporaries_of_ours_are_removed_and_nothing_else(tmp_path):
    path = tracked_project(tmp_path)
    side = sidecar_path(path)
    root = load_project(path).masks.root
    ours = [tmp_path / ".p.masklet.abc123.tmp", tmp_path / ".p.masklet.bak.x1.tmp",
            root / "masks" / str(CIRCLE_ID) / ".000003.png.q7.tmp", side / ".tmp-old"]
    fresh = root / "masks" / str(CIRCLE_ID) / ".000004.png.live.tmp"  # a writer's, now
    foreign = [tmp_path / ".other.masklet.z.tmp", tmp_path / "notes.tmp",
               tmp_path / ".tmp-someone-else", side / "README.txt"]
    old_staging = tmp_path / ".tmp-k2j3x_9q"  # what older versions left: .tmp-*/d
    (old_staging / "d" / "masks").mkdir(parents=True)
    for p in ours + foreign:
        p.mkdir() if "tmp-" in p.name else p.write_bytes(b"x")
    fresh.write_bytes(b"x")
    _age(*ours, *foreign, old_staging)
    load_project(path)
    assert not any(p.exists() for p in ours) and not old_staging.exists()
    assert fresh.exists() and all(p.exists() for p in foreign)
    stale_generation = side / "g000009"  # a generation no file names
    stale_generation.mkdir()
    load_project(path)
    assert stale_generation.exists()  # a load never removes a generation (a save may run)
    save_project(load_project(path))
    assert not stale_generation.exists() and all(p.exists() for p in foreign)


def test_the_backup_is_mentioned_only_when_it_exists_and_is_real(tmp_path):
    path = tracked_project(tmp_path)
    assert not (tmp_path / "p.masklet.bak").exists()
    good = path.read_text()
    path.write_text("{not json")
    with pytest.raises(CorruptProjectError) as info:
        load_project(path)
    assert ".bak" not in str(info.value) and "restore the file" in str(info.value)
    path.write_text(good)
    # Save As onto it: the previous version stays whole as the backup
    other = Project(source_path=tmp_path / "clip.mp4",
                    media=load_project(path).media)
    other.execute(AddObject(other, ProjectObject(5, "square")))
    other.masks.write_alpha(5, 0, np.full((64, 96), 7, np.uint8), 1.0)
    save_project(other, path)
    path.write_text('{"format": "masklet", "objects": 5}')
    with pytest.raises(CorruptProjectError) as info:
        load_project(path)
    assert "p.masklet.bak: rename it to p.masklet" in str(info.value)
    os.replace(tmp_path / "p.masklet.bak", path)
    previous = load_project(path)
    assert [o.name for o in previous.objects] == ["circle"] and not previous.missing_masks
    expected = np.where(CLIP.mask(4, CIRCLE_ID), 255, 0)
    assert np.array_equal(previous.masks.read_alpha(CIRCLE_ID, 4), expected)
    assert cv2.imread(str(previous.masks.root / "masks" / str(CIRCLE_ID) / "000004.png"),
                      cv2.IMREAD_UNCHANGED) is not None
