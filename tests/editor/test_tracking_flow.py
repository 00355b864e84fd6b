"""Issue 17 items 1-5 and 7 in the real main window (offscreen): tracking stays inside
in/out, the user can look elsewhere while it runs, the playhead stays where the user was,
Esc stops within one frame, progress counts this pass, a correction keeps earlier frames."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QPoint, Qt

from editor.model import commands as cmd
from tests.editor.conftest import click_frame, open_clip


def _click_disc(qtbot, win, clip, frame_index: int) -> None:
    win.seek(frame_index)
    qtbot.waitUntil(lambda: win.viewer.bundle is not None
                    and win.viewer.bundle.frame_index == frame_index, timeout=5000)
    before = win.session.project.masks.read_alpha(1, frame_index) \
        if win.session.project.objects else None
    cx, cy, _r = clip.circle(frame_index)
    click_frame(qtbot, win, cx, cy)
    qtbot.waitUntil(lambda: win.session.project.masks.read_alpha(1, frame_index) is not None
                    and (before is None or not np.array_equal(
                        win.session.project.masks.read_alpha(1, frame_index), before)),
                    timeout=10000)


def _track(qtbot, win, affected_only: bool = True):
    results, progress = [], []
    engine = win.session.engine
    engine.tracked.connect(results.append)
    engine.progress.connect(lambda d, t, _fps: progress.append((d, t)))
    with qtbot.waitSignal(engine.finished, timeout=60000) as done:
        win.track_flow.on_track(affected_only)
    return done.args[0], results, progress


def _slow_offline_steps(monkeypatch, seconds: float) -> None:
    from segmentation.offline.flow_step import FlowStep

    step = FlowStep.step

    def slow(self, *args, **kwargs):
        time.sleep(seconds)
        return step(self, *args, **kwargs)

    monkeypatch.setattr(FlowStep, "step", slow)


def test_track_stays_inside_in_out_and_says_the_range(qtbot, make_window, synthetic_clip):
    clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    _click_disc(qtbot, win, clip, 5)
    _click_disc(qtbot, win, clip, 18)  # outside the range: kept, not used
    project = win.session.project
    win.session.execute(cmd.SetRange(project, 3, 10))
    ok, results, progress = _track(qtbot, win)
    assert ok and set(results) == set(range(3, 10))
    assert progress[-1] == (7, 7)
    assert project.masks.frames_with_mask(1).tolist() == [*range(3, 10), 18]
    assert len(project.objects[0].prompts) == 2  # the prompt outside is kept
    assert "frames 4–10 of 24" in win.statusBar().currentMessage()


def test_no_prompt_inside_the_range_says_what_to_do(qtbot, make_window, synthetic_clip,
                                                   no_modal_dialogs):
    clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    _click_disc(qtbot, win, clip, 18)
    win.session.execute(cmd.SetRange(win.session.project, 0, 10))
    ok, results, _ = _track(qtbot, win)
    assert not ok and results == []
    assert any("No prompt inside the in/out range (frames 1–10 of 24)" in text
               for _kind, _title, text in no_modal_dialogs)


def test_a_timeline_click_while_tracking_stops_following(qtbot, make_window, synthetic_clip,
                                                         monkeypatch):
    clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    _click_disc(qtbot, win, clip, 0)
    _slow_offline_steps(monkeypatch, 0.05)
    canvas = win.timeline.canvas
    engine = win.session.engine
    seen = []

    def look_elsewhere(frame):
        seen.append(frame)
        if len(seen) == 3:  # the user clicks frame 20 on the timeline
            x = int(canvas.x_of(20) + canvas.px_per_frame / 2)
            qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(x, 5))

    engine.tracked.connect(look_elsewhere)
    with qtbot.waitSignal(engine.finished, timeout=60000) as done:
        win.track_flow.on_track()
        qtbot.waitUntil(lambda: len(seen) > 6, timeout=30000)
        assert win.view.frame_index == 20 and canvas.current == 20  # the tracker went on
        assert not win.actions_["follow_tracking"].isChecked()
        win.actions_["next_frame"].trigger()  # a frame step works too
        assert win.view.frame_index == 21
        qtbot.wait(200)
        assert win.view.frame_index == 21
        win.actions_["follow_tracking"].setChecked(True)  # back to the tracked frame
        assert win.view.frame_index == seen[-1]
    assert done.args == [True]
    assert win.session.project.masks.frames_with_mask(1).tolist() == list(range(clip.num_frames))


def test_the_playhead_stays_where_the_user_was_after_tracking(qtbot, make_window,
                                                              synthetic_clip, monkeypatch):
    clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    _click_disc(qtbot, win, clip, 12)
    ok, results, _ = _track(qtbot, win)
    assert ok and results[-1] == 0  # the reverse pass ends on frame 1 ...
    assert win.view.frame_index == 12 and win.timeline.canvas.current == 12  # ... not the playhead
    qtbot.waitUntil(lambda: win.viewer.bundle.frame_index == 12, timeout=5000)

    _click_disc(qtbot, win, clip, 6)  # a correction; cancelled while following
    _slow_offline_steps(monkeypatch, 0.05)
    engine = win.session.engine
    shown = []
    engine.tracked.connect(lambda frame: (shown.append(frame),
                                       len(shown) == 3 and win.track_flow.on_cancel_track()))
    with qtbot.waitSignal(engine.finished, timeout=60000) as done:
        win.track_flow.on_track()
    assert done.args == [False]
    assert win.view.frame_index == shown[-1] != 6  # the last frame shown while following


def test_progress_counts_the_frames_of_a_partial_retrack(qtbot, make_window, synthetic_clip):
    clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    _click_disc(qtbot, win, clip, 0)
    ok, _results, progress = _track(qtbot, win)
    assert ok and progress[-1] == (24, 24)
    _click_disc(qtbot, win, clip, 14)
    ok, results, progress = _track(qtbot, win)
    assert ok and sorted(results) == list(range(14, 24))
    assert {t for _d, t in progress} == {10} and progress[-1] == (10, 10)
    assert win.status.progress.format() == "Tracking 10/10"  # the bar's last text


def test_a_correction_keeps_the_frames_tracked_towards_it(qtbot, make_window, synthetic_clip):
    """Offline engine, include click on frame 14 after a pass from frame 3: frames 0..13
    are bit-identical in the store; 14..23 are re-tracked."""
    clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    _click_disc(qtbot, win, clip, 3)
    assert _track(qtbot, win)[0]
    masks = win.session.project.masks
    before = {f: masks.read_alpha(1, f).copy() for f in range(clip.num_frames)}
    _click_disc(qtbot, win, clip, 14)
    ok, results, _ = _track(qtbot, win)
    assert ok and min(results) == 14
    for f in range(14):
        assert np.array_equal(masks.read_alpha(1, f), before[f]), f
