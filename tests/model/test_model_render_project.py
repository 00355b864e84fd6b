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
