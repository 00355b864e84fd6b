"""Opening a project whose masks went missing or whose clip changed says so and offers the
fix (track again; choose the clip)."""

from __future__ import annotations

import shutil

import numpy as np
from PySide6.QtWidgets import QFileDialog, QMessageBox

from editor.model import AddObject, MediaSnapshot, Project, ProjectObject, save_project
from rendering.media import probe
from rendering.synthetic import SyntheticClip
from tests.editor.conftest import open_clip


def saved_project(tmp_path, clip_path):
    project = Project(source_path=clip_path,
                      media=MediaSnapshot.from_media_info(probe(clip_path)))
    project.execute(AddObject(project, ProjectObject(1, "ball")))
    for f in range(6):
        project.masks.write_alpha(1, f, np.full((96, 160), 255, np.uint8), 2.0)
    return save_project(project, tmp_path / "p.masklet"), project.masks.root


def test_missing_masks_are_announced_and_show_as_untracked(make_window, qtbot, tmp_path,
                                                           synthetic_clip, no_modal_dialogs):
    _clip, clip_path = synthetic_clip
    path, root = saved_project(tmp_path, clip_path)
    for f in (3, 4, 5):
        (root / "masks" / "1" / f"{f:06d}.png").unlink()
    win = make_window()
    open_clip(qtbot, win, path)
    warnings = [m for kind, title, m in no_modal_dialogs if title == "Masks missing"]
    assert len(warnings) == 1 and "'ball' on 3 frames (3–5)" in warnings[0]
    assert "press Track" in warnings[0] and str(root) in warnings[0]
    frames, _scores = win.session.project.masks.scores(1)
    assert frames.tolist() == [0, 1, 2]  # the timeline shows 3–5 as not tracked


def test_a_changed_clip_asks_to_relink_and_reopens_with_the_chosen_one(
        make_window, qtbot, tmp_path, synthetic_clip, monkeypatch):
    _clip, clip_path = synthetic_clip
    path, _root = saved_project(tmp_path, clip_path)
    original = shutil.copy(clip_path, tmp_path / "kept.mp4")
    SyntheticClip(width=160, height=96, num_frames=10).write(clip_path)  # edited meanwhile
    asked = []

    def question(parent, title, text, *args, **kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(original), ""))
    win = make_window()
    with qtbot.waitSignal(win.session.opened, timeout=10000):
        win.open_path(str(path))
    assert len(asked) == 1 and "10 frames" in asked[0] and str(clip_path) in asked[0]
    project = win.session.project
    assert project.source_path == tmp_path / "kept.mp4" and project.dirty
    assert len(win.session.source) == 24
