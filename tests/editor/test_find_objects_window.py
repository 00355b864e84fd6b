"""Find objects from the main window: the action runs proposals on the viewer's frame, the
overlay shows them, a click on one makes a new object whose mask is that proposal (one undo
step), and the engine turns the mask prompt into the object's mask on that frame."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from tests.editor.conftest import click_frame, open_clip


def test_find_objects_click_makes_object(qtbot, make_window, synthetic_clip):
    from segmentation.proposals.known_masks import KnownMasksDecoder

    clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    shapes = [clip.mask(0, 1), clip.mask(0, 2)]
    win.proposal_model = lambda: KnownMasksDecoder(shapes)
    project = win.session.project

    win.actions_["find_objects"].trigger()
    qtbot.waitUntil(lambda: len(win.proposals.overlay.proposals) == 2, timeout=30000)
    assert win.actions_["find_objects"].isEnabled()
    cx, cy, _r = clip.circle(0)
    click_frame(qtbot, win, cx, cy)
    assert [o.object_id for o in project.objects] == [1]
    assert not win.proposals.overlay.visible
    qtbot.waitUntil(lambda: project.masks.read_alpha(1, 0) is not None, timeout=10000)
    got = project.masks.read_alpha(1, 0) >= 128
    truth = shapes[0]
    assert (got & truth).sum() / (got | truth).sum() > 0.9
    assert win.view.current_object == 1

    project.undo_stack.undo()  # one step removes the object and its prompt
    assert project.objects == []


def test_escape_dismisses_and_seek_clears(qtbot, make_window, synthetic_clip):
    from segmentation.proposals.known_masks import KnownMasksDecoder

    clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    win.proposal_model = lambda: KnownMasksDecoder([clip.mask(0, 1)])
    win.on_find_objects()
    qtbot.waitUntil(lambda: win.proposals.overlay.visible, timeout=30000)
    qtbot.keyClick(win.viewer, Qt.Key.Key_Escape)
    assert not win.proposals.overlay.visible
    win.on_find_objects()
    qtbot.waitUntil(lambda: win.proposals.overlay.visible, timeout=30000)
    win.seek(5)
    assert not win.proposals.overlay.visible
    assert win.session.project.objects == []


def test_without_weights_the_status_says_so(qtbot, make_window, synthetic_clip, monkeypatch,
                                            tmp_path):
    monkeypatch.setenv("MASKLET_MODELS_DIR", str(tmp_path / "no-models"))
    clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    messages = []
    win.proposals.message.connect(messages.append)
    win.on_find_objects()
    qtbot.waitUntil(lambda: any("failed" in m for m in messages), timeout=30000)
    assert "checkpoint" in messages[-1] and "download" in messages[-1]
    assert np.all(np.asarray(win.session.project.objects) == [])
