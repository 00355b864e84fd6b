"""A saved project (store + effect stacks) renders through ``masklet render PROJECT``."""

from __future__ import annotations

from fractions import Fraction

import cv2
import numpy as np

import main
from editor.model import (
    AddObject,
    EffectRef,
    InsertEffect,
    MediaSnapshot,
    Project,
    ProjectObject,
    save_project,
)
from rendering.media import probe
from rendering.synthetic import CIRCLE_ID, SyntheticClip

CLIP = SyntheticClip(width=96, height=64, num_frames=8, fps=Fraction(25))


def test_saved_project_renders(tmp_path):
    video = CLIP.write(tmp_path / "clip.mp4", with_audio=False)
    project = Project(source_path=video, media=MediaSnapshot.from_media_info(probe(video)))
    project.execute(AddObject(project, ProjectObject(CIRCLE_ID, "circle")))
    project.execute(InsertEffect(project, CIRCLE_ID,
                                 EffectRef("object-fill", {"colour": "#00ff00"})))
    for i in range(CLIP.num_frames):
        logits = np.where(CLIP.mask(i, CIRCLE_ID), 20.0, -20.0).astype(np.float32)
        project.masks.write(CIRCLE_ID, i, logits, 5.0)
    path = save_project(project, tmp_path / "p.masklet")
    out = tmp_path / "seq"
    assert main.main(["render", str(path), "-o", str(out), "--preset", "png-rgba",
                      "--start", "2", "--end", "5"]) == 0
    frames = sorted(out.iterdir())
    assert len(frames) == 3
    rgba = cv2.cvtColor(cv2.imread(str(frames[0]), cv2.IMREAD_UNCHANGED), cv2.COLOR_BGRA2RGBA)
    core = cv2.erode(CLIP.mask(2, CIRCLE_ID).astype(np.uint8),
                     np.ones((3, 3), np.uint8)).astype(bool)
    assert (rgba[core][:, :3] == (0, 255, 0)).all()


def test_saved_range_quality_and_audio_are_the_defaults(tmp_path):
    import dataclasses

    video = CLIP.write(tmp_path / "clip.mp4", with_audio=True)
    project = Project(source_path=video, media=MediaSnapshot.from_media_info(probe(video)))
    project.execute(AddObject(project, ProjectObject(CIRCLE_ID, "circle")))
    for i in range(CLIP.num_frames):
        logits = np.where(CLIP.mask(i, CIRCLE_ID), 20.0, -20.0).astype(np.float32)
        project.masks.write(CIRCLE_ID, i, logits, 5.0)
    project.in_frame, project.out_frame = 2, 6
    project.export = dataclasses.replace(project.export, scale=0.5, crf=30, audio=False)
    path = save_project(project, tmp_path / "p.masklet")
    out = tmp_path / "out.mp4"
    assert main.main(["render", str(path), "-o", str(out)]) == 0
    info = probe(out)
    assert info.frame_count == 4 and (info.width, info.height) == (48, 32)
    assert info.audio == ()
    again = tmp_path / "again.mp4"  # the command line wins
    assert main.main(["render", str(path), "-o", str(again), "--start", "0", "--scale", "1",
                      "--crf", "20"]) == 0
    info = probe(again)
    assert info.frame_count == 6 and (info.width, info.height) == (96, 64)


def test_a_saved_crf_applies_to_its_own_preset_only(tmp_path):
    import dataclasses

    video = CLIP.write(tmp_path / "clip.mp4", with_audio=False)
    project = Project(source_path=video, media=MediaSnapshot.from_media_info(probe(video)))
    project.execute(AddObject(project, ProjectObject(CIRCLE_ID, "circle")))
    project.export = dataclasses.replace(project.export, preset="vp9-alpha", crf=60)
    path = save_project(project, tmp_path / "p.masklet")
    assert main.main(["render", str(path), "-o", str(tmp_path / "out.mp4")]) == 0  # h264
    assert probe(tmp_path / "out.mp4").frame_count == CLIP.num_frames
