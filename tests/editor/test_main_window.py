"""End to end through the main window (offscreen): open a clip, click an object, track it
with the offline engine, lanes fill, add a blur, export; undo restores; cancel works."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.editor.conftest import click_frame, open_clip


def _mask(win, object_id, frame_index):
    alpha = win.session.project.masks.read_alpha(object_id, frame_index)
    return None if alpha is None else alpha >= 128


def _window_with_circle_clicked(qtbot, make_window, synthetic_clip):
    """A window on the synthetic clip whose disc was clicked on frame 0 (mask shown)."""
    clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    cx, cy, _r = clip.circle(0)
    click_frame(qtbot, win, cx, cy)
    qtbot.waitUntil(lambda: _mask(win, 1, 0) is not None, timeout=10000)
    return clip, win


def test_click_track_effect_export_undo(qtbot, make_window, synthetic_clip, tmp_path):
    clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    project = win.session.project
    cx, cy, _r = clip.circle(0)
    click_frame(qtbot, win, cx, cy)
    assert [o.object_id for o in project.objects] == [1]
    qtbot.waitUntil(lambda: _mask(win, 1, 0) is not None, timeout=10000)
    truth = clip.mask(0, 1)
    got = _mask(win, 1, 0)
    assert (got & truth).sum() / (got | truth).sum() > 0.7
    assert win.viewer.points and win.viewer.points[0].label == 1

    progress = []
    win.session.engine.progress.connect(lambda d, t, _fps: progress.append((d, t)))
    with qtbot.waitSignal(win.session.engine.finished, timeout=30000) as done:
        win.track_flow.on_track()
    assert done.args == [True]
    qtbot.waitUntil(lambda: progress and progress[-1] == (clip.num_frames, clip.num_frames),
                    timeout=5000)  # frames, not results: the start frame counts once
    qtbot.waitUntil(lambda: win.timeline.lanes() and
                    win.timeline.lanes()[0].coverage() == clip.num_frames, timeout=5000)
    last = clip.num_frames - 1
    truth, got = clip.mask(last, 1), _mask(win, 1, last)
    assert (got & truth).sum() / (got | truth).sum() > 0.6

    win.effects_panel.set_owner(None)
    win.effects_panel.add_effect("background-blur")
    assert [e.name for e in project.background_effects] == ["background-blur"]
    win.actions_["show_effects"].setChecked(True)
    qtbot.waitUntil(lambda: win.viewer.bundle is not None and
                    win.viewer.bundle.preview is not None, timeout=5000)

    out = tmp_path / "out.mp4"
    from editor.dialogs.export import ExportDialog

    dialog = ExportDialog(win.session, win)
    dialog.path_edit.setText(str(out))
    dialog.range_box.setCurrentIndex(1)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60000)
    assert dialog.result[0] == "done", dialog.result
    _check_export(clip, path, out)

    project.undo_stack.undo()  # the blur
    assert project.background_effects == []
    project.undo_stack.undo()  # the click
    assert project.objects[0].prompts == {}
    project.undo_stack.redo()
    assert len(project.objects[0].prompts[0]) == 1


def _check_export(clip, source_path, out):
    from rendering.media import open_source, probe

    info = probe(out)
    assert info.frame_count == clip.num_frames
    assert info.audio and abs(float(info.audio[0].duration_s) - float(info.duration_s)) < 0.1
    src, dst = open_source(source_path), open_source(out)
    k = clip.num_frames // 2
    a, b = src.read(k).astype(np.int16), dst.read(k).astype(np.int16)
    import cv2

    inside = cv2.erode(clip.mask(k, 1).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    near = cv2.dilate((clip.mask(k, 1) | clip.mask(k, 2)).astype(np.uint8),
                      np.ones((15, 15), np.uint8)) > 0
    diff = np.abs(a - b).mean(axis=2)
    assert diff[~near].mean() > 6.0      # background blurred
    assert diff[inside].mean() < 4.0     # the tracked object kept sharp


def test_cancel_tracking(qtbot, make_window, synthetic_clip):
    clip, win = _window_with_circle_clicked(qtbot, make_window, synthetic_clip)
    engine = win.session.engine
    first = []
    engine.tracked.connect(lambda frame: (first.append(frame), win.track_flow.on_cancel_track()))
    with qtbot.waitSignal(engine.finished, timeout=30000) as done:
        win.track_flow.on_track()
    assert done.args == [False]
    frames = win.session.project.masks.frames_with_mask(1)
    assert len(frames) < clip.num_frames


def test_exclude_click_and_remove_point(qtbot, make_window, synthetic_clip):
    clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    cx, cy, _r = clip.circle(0)
    click_frame(qtbot, win, cx, cy)
    click_frame(qtbot, win, 10, 10, Qt.MouseButton.RightButton)

    def labels():
        return [p.label for p in win.viewer.points]

    qtbot.waitUntil(lambda: labels() == [1, 0], timeout=5000)
    click_frame(qtbot, win, 10, 10)  # clicking a shown point removes it
    qtbot.waitUntil(lambda: labels() == [1], timeout=5000)
    win.session.project.undo_stack.undo()
    qtbot.waitUntil(lambda: labels() == [1, 0], timeout=5000)


@pytest.mark.parametrize("key", ["right", "end", "home"])
def test_frame_keys(qtbot, make_window, synthetic_clip, key):
    clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    getattr(win.playback, {"right": "on_next_frame", "end": "on_go_end",
                           "home": "on_go_start"}[key])()
    want = {"right": 1, "end": clip.num_frames - 1, "home": 0}[key]
    qtbot.waitUntil(lambda: win.viewer.bundle.frame_index == want, timeout=5000)
    expected = clip.frame(want).astype(np.int16)
    assert np.abs(win.viewer.bundle.frame.astype(np.int16) - expected).mean() < 6


@pytest.mark.parametrize("effects", [False, True])
def test_playback_shows_the_right_frames(qtbot, make_window, synthetic_clip, effects):
    clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    if effects:
        win.effects_panel.set_owner(None)
        win.effects_panel.add_effect("background-desaturate")
        win.actions_["show_effects"].setChecked(True)
    seen = {}

    def record(bundle):
        seen[bundle.frame_index] = bundle

    win.player.bundle.connect(record)
    win.playback.on_play_pause()
    qtbot.waitUntil(lambda: len(seen) >= 6 or not win.player.playing, timeout=10000)
    win.playback.on_stop()
    assert len(seen) >= 6
    indices = sorted(seen)
    assert indices[0] <= 2 and indices == sorted(set(indices))  # in order from the playhead
    assert win.player.dropped <= 2  # a small clip keeps up with the clock
    for k in indices[:6]:
        bundle = seen[k]
        want = clip.frame(k).astype(np.int16)
        assert bundle.frame.shape == want.shape
        assert np.abs(bundle.frame.astype(np.int16) - want).mean() < 6
        if effects:  # no object, so the whole frame is background: grey
            rgb = bundle.preview.astype(np.int16)
            assert np.abs(rgb[..., 0] - rgb[..., 1]).mean() < 3


def test_playback_follows_the_clock_and_drops_late_frames(qtbot):
    """When frames come late, playback skips to the frame due now (as the audio would be)
    instead of slowing down; a frame that is not due yet waits."""
    import time
    from fractions import Fraction

    from editor.player import Player
    from editor.workers.decode import plain_bundle

    class Source:
        def iter_frames(self, start, end):
            for i in range(start, end):
                yield i, np.full((4, 4, 3), i, np.uint8)

        def close(self):
            pass

    player = Player()
    player.setup(Source, "none.mp4", 100, Fraction(30))
    shown = []
    player.bundle.connect(lambda b: shown.append(b.frame_index))
    player.play(0, plain_bundle)
    player._timer.stop()  # ticks by hand
    qtbot.waitUntil(lambda: player._reader._queue.full(), timeout=5000)
    player._t0 = time.perf_counter() - 5.2 / 30  # 5.2 frame durations have passed
    player._tick()
    assert shown == [5] and player.dropped == 4
    player._tick()  # frame 6 is decoded but due only after 6 frame durations
    assert shown == [5] and player.late == 0
    player._t0 -= 1.0 / 30
    player._tick()
    assert shown == [5, 6]
    player.stop()


def test_panels_hidden_on_welcome_and_restored_as_left(qtbot, make_window, synthetic_clip):
    _clip, path = synthetic_clip
    win = make_window()
    assert not any(d.isVisible() for d in win.docks.values())  # the welcome page alone
    open_clip(qtbot, win, path)
    assert all(d.isVisible() for d in win.docks.values())
    win.docks["Effects"].hide()  # the user closes a panel
    win.on_close_project()
    assert win.stack.currentWidget() is win.welcome
    assert not any(d.isVisible() for d in win.docks.values())
    open_clip(qtbot, win, path)
    assert win.docks["Timeline"].isVisible() and win.docks["Objects"].isVisible()
    assert not win.docks["Effects"].isVisible()


def test_timeline_stays_fitted_when_resized(qtbot, make_window, synthetic_clip):
    clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    timeline = win.timeline

    def fitted():
        width = timeline.scroll.viewport().width() - 4
        return abs(timeline.canvas.px_per_frame * clip.num_frames - max(100, width)) < 1.0

    qtbot.waitUntil(fitted, timeout=5000)  # fitted to the panel once it is laid out
    win.resize(1300, 700)
    qtbot.waitUntil(fitted, timeout=5000)
    timeline.zoom(2.0)  # a user zoom is kept on resize
    zoomed = timeline.canvas.px_per_frame
    win.resize(1000, 700)
    qtbot.wait(100)
    assert timeline.canvas.px_per_frame == zoomed


@pytest.mark.parametrize("answer", ["offline", "cancel"])
def test_first_click_without_weights_asks(qtbot, make_window, synthetic_clip, monkeypatch,
                                          tmp_path, answer):
    """The default engine is SAM 2; with no checkpoint installed the first click asks: the
    offline engine then tracks the click, Cancel leaves the project untouched."""
    from editor.dialogs.no_weights import NoWeightsDialog

    monkeypatch.setenv("MASKLET_MODELS_DIR", str(tmp_path / "models"))
    asked = []

    def exec_(dialog):
        asked.append(dialog.windowTitle())
        dialog.choice = None if answer == "cancel" else answer
        return 0 if answer == "cancel" else 1

    monkeypatch.setattr(NoWeightsDialog, "exec", exec_)
    clip, path = synthetic_clip
    win = make_window(None)  # the real engine choice, as a user gets it
    open_clip(qtbot, win, path)
    cx, cy, _r = clip.circle(0)
    click_frame(qtbot, win, cx, cy)
    assert asked == ["No tracking model installed"]
    project = win.session.project
    if answer == "cancel":
        assert project.objects == []
        return
    assert project.engine.engine == "offline"
    qtbot.waitUntil(lambda: _mask(win, 1, 0) is not None, timeout=10000)
    truth = clip.mask(0, 1)
    got = _mask(win, 1, 0)
    assert (got & truth).sum() / (got | truth).sum() > 0.7


def test_a_prompt_that_finds_no_object_says_so(qtbot, make_window, synthetic_clip):
    """SAM 2 may answer a click with "no object here": the status bar says what to do
    instead of the click seeming ignored."""
    import dataclasses

    from editor.app.engines import make_engine
    from segmentation.types import ABSENT_LOGIT

    class NothingHere:  # the offline engine, but every prompt finds no object
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def add_prompt(self, *args, **kwargs):
            res = self.inner.add_prompt(*args, **kwargs)
            return dataclasses.replace(res, logits=np.full_like(res.logits, ABSENT_LOGIT),
                                       object_scores=np.full_like(res.object_scores, -5.0))

    def factory(path, settings):
        engine, desc = make_engine(path, dataclasses.replace(settings, engine="offline"))
        return NothingHere(engine), desc

    clip, path = synthetic_clip
    win = make_window(factory)
    open_clip(qtbot, win, path)
    win.seek(3)
    qtbot.waitUntil(lambda: win.view.frame_index == 3, timeout=5000)
    cx, cy, _r = clip.circle(3)
    click_frame(qtbot, win, cx, cy)
    qtbot.waitUntil(lambda: "no object found" in win.statusBar().currentMessage(),
                    timeout=10000)
    message = win.statusBar().currentMessage()
    assert message.startswith("Object 1: no object found at this prompt on frame 4")
    assert "draw a box" in message
    assert _mask(win, 1, 3) is None  # nothing stored as a mask


def test_a_drag_along_a_line_is_a_click_not_an_empty_box(qtbot, make_window, synthetic_clip):
    from PySide6.QtTest import QTest

    _clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    viewer = win.viewer
    boxes, points = [], []
    viewer.box_drawn.connect(lambda *b: boxes.append(b))
    viewer.point_clicked.connect(lambda *p: points.append(p))

    def drag(x0, y0, x1, y1):
        a, b = viewer.to_widget(x0, y0).toPoint(), viewer.to_widget(x1, y1).toPoint()
        QTest.mousePress(viewer, Qt.MouseButton.LeftButton, pos=a)
        for k in range(1, 5):
            QTest.mouseMove(viewer, a + (b - a) * (k / 4))
        QTest.mouseRelease(viewer, Qt.MouseButton.LeftButton, pos=b)

    drag(80, 10, 80, 80)  # straight down: no width
    assert boxes == [] and len(points) == 1 and points[0][2] == 1
    assert abs(points[0][0] - 80) < 1.5 and abs(points[0][1] - 10) < 1.5  # the press point
    drag(20, 20, 60, 70)
    assert len(boxes) == 1 and boxes[0][2] - boxes[0][0] > 30


def test_export_dialog_quality_audio_and_remembered_choices(qtbot, make_window, synthetic_clip,
                                                            tmp_path):
    from editor.dialogs.export import ExportDialog
    from rendering.media import probe

    _clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    project = win.session.project
    dialog = ExportDialog(win.session, win)
    assert dialog.quality_box.isEnabled() and dialog.chosen_crf() is None  # h264 default
    assert dialog.quality_box.text() == "Preset default (CRF 18)"
    assert dialog.audio_box.isEnabled() and dialog.audio_box.isChecked()
    dialog.preset_box.setCurrentIndex(dialog.preset_box.findData("prores4444"))
    assert not dialog.quality_box.isEnabled() and dialog.chosen_crf() is None
    dialog.preset_box.setCurrentIndex(dialog.preset_box.findData("png-rgba"))
    assert not dialog.audio_box.isEnabled()
    dialog.preset_box.setCurrentIndex(dialog.preset_box.findData("h264"))
    dialog.quality_box.setValue(35)
    dialog.audio_box.setChecked(False)
    out = tmp_path / "small.mp4"
    dialog.path_edit.setText(str(out))
    dialog.range_box.setCurrentIndex(1)
    undo_depth = project.undo_stack.undo_label
    dialog.start()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60000)
    assert dialog.result[0] == "done", dialog.result
    info = probe(out)
    assert info.audio == () and info.frame_count == len(win.session.source)
    assert project.export.crf == 35 and project.export.audio is False
    assert project.export.output_path == str(out)
    assert project.undo_stack.undo_label == undo_depth  # not an undo step...
    assert not project.undo_stack.is_clean  # ...but saved with the project
    again = ExportDialog(win.session, win)  # the next export starts from these choices
    assert again.chosen_crf() == 35 and not again.audio_box.isChecked()
    dialog.close()
    again.close()


def test_track_again_without_changes_says_nothing_to_do(qtbot, make_window, synthetic_clip):
    _clip, win = _window_with_circle_clicked(qtbot, make_window, synthetic_clip)
    with qtbot.waitSignal(win.session.engine.finished, timeout=30000):
        win.track_flow.on_track()
    qtbot.waitUntil(lambda: "Tracking done" in win.statusBar().currentMessage(), timeout=5000)
    with qtbot.waitSignal(win.session.engine.finished, timeout=30000) as done:
        win.track_flow.on_track()
    assert done.args == [True]
    qtbot.waitUntil(lambda: "Nothing to re-track" in win.statusBar().currentMessage(),
                    timeout=5000)


def test_thumbnails_decode_without_a_big_frame_cache(qtbot, make_window, synthetic_clip,
                                                     monkeypatch):
    """Thumbnails read frames far apart: their source keeps a small cache (RSS measured
    1272 → 754 MB after opening a 720p clip)."""
    import rendering.media
    from editor.main_window import THUMBNAIL_CACHE_BYTES

    budgets = []
    real = rendering.media.open_source

    def recording(path, *args, **kwargs):
        budgets.append(kwargs.get("cache_bytes"))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(rendering.media, "open_source", recording)
    _clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    qtbot.waitUntil(lambda: THUMBNAIL_CACHE_BYTES in budgets, timeout=10000)
    assert None in budgets  # the viewer's own source keeps the default cache
