"""Issue 17 (a first real use), items 6, 8–12, in the real main window (offscreen)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.editor.conftest import click_frame, open_clip


def _mask(win, object_id, frame_index):
    alpha = win.session.project.masks.read_alpha(object_id, frame_index)
    return None if alpha is None else alpha >= 128


def _clicked(qtbot, make_window, synthetic_clip, factory=None):
    """A window on the synthetic clip whose disc was clicked on frame 0 (mask shown)."""
    clip, path = synthetic_clip
    win = make_window() if factory is None else make_window(factory)
    open_clip(qtbot, win, path)
    cx, cy, _r = clip.circle(0)
    click_frame(qtbot, win, cx, cy)
    qtbot.waitUntil(lambda: _mask(win, 1, 0) is not None, timeout=10000)
    qtbot.waitUntil(lambda: 1 in win.viewer.bundle.masks, timeout=5000)
    return clip, win


# -- item 6 ---------------------------------------------------------------------------------
def test_clear_frame_removes_the_mask_from_the_viewer_at_once(qtbot, make_window,
                                                              synthetic_clip):
    clip, win = _clicked(qtbot, make_window, synthetic_clip)
    cx, cy, _r = clip.circle(0)
    before = win.viewer.grab().toImage()
    QTest.keyClick(win, Qt.Key.Key_Backspace, Qt.KeyboardModifier.ControlModifier)
    assert win.session.project.objects[0].prompts == {}
    assert _mask(win, 1, 0) is None  # the mask those prompts made is gone from the store
    qtbot.waitUntil(lambda: 1 not in win.viewer.bundle.masks, timeout=2000)
    assert win.viewer._overlays == [] and win.viewer.points == []
    pos = win.viewer.to_widget(cx, cy).toPoint()
    after = win.viewer.grab().toImage()
    assert before.pixelColor(pos) != after.pixelColor(pos)  # repainted without the overlay
    win.on_undo()  # the prompts come back and the engine makes the mask again
    qtbot.waitUntil(lambda: _mask(win, 1, 0) is not None, timeout=10000)
    qtbot.waitUntil(lambda: 1 in win.viewer.bundle.masks, timeout=2000)


# -- item 10 --------------------------------------------------------------------------------
def test_low_res_logits_only_on_prompted_frames_and_the_project_reopens(
        qtbot, make_window, synthetic_clip, tmp_path):
    from editor.model import lowres

    clip, win = _clicked(qtbot, make_window, synthetic_clip)
    store = win.session.project.masks
    with qtbot.waitSignal(win.session.engine.finished, timeout=30000):
        win.on_track()
    assert store.frames_with_mask(1).size == clip.num_frames
    assert lowres.stored(store.root) == {1: {0}}  # not one file per tracked frame
    prompt_logits = store.read_low_res_logits(1, 0)
    assert prompt_logits is not None and prompt_logits.shape == (256, 256)
    path = tmp_path / "p.masklet"
    assert win.save_to(path)
    pixels = {f: store.read_alpha(1, f).copy() for f in range(clip.num_frames)}
    win.close_project()
    open_clip(qtbot, win, path)
    reopened = win.session.project.masks
    assert all(np.array_equal(reopened.read_alpha(1, f), a) for f, a in pixels.items())
    assert np.array_equal(reopened.read_low_res_logits(1, 0), prompt_logits)
    assert not list(reopened.root.rglob("*.npy"))
