"""Issue 17 item 4 over the micro SAM 2 in the real window: Esc stops tracking within one
frame's compute, also when pressed while the worker is still busy with the prompt; the
status bar says "Cancelling…" until it stops; what was tracked is kept."""

from __future__ import annotations

import threading
import time

from tests.editor.conftest import open_clip
from tests.micro_sam2 import micro_sam2


def _sam2_window(qtbot, make_window, synthetic_clip, monkeypatch, frame_s: float,
                 prompt_s: float = 0.0):
    """Window on the synthetic clip with the micro SAM 2 whose frames take ``frame_s``
    longer and prompts ``prompt_s`` longer; returns (clip, window, computed, prompting):
    computed lists (time, frame), prompting is set when a prompt starts computing."""
    from editor.app.engines import make_engine
    from segmentation.tracker import video_tracker as vt

    model = micro_sam2()
    clip, path = synthetic_clip
    win = make_window(lambda p, s: make_engine(p, s, model=model))
    open_clip(qtbot, win, path)
    computed: list[tuple[float, int]] = []
    prompting = threading.Event()
    frame_fn, prompt_fn = vt.VideoTracker._propagate_frame, vt.VideoTracker.add_prompt

    def slow_frame(self, frame, reverse, ids):
        time.sleep(frame_s)
        out = frame_fn(self, frame, reverse, ids)
        computed.append((time.perf_counter(), frame))
        return out

    def slow_prompt(self, *args, **kwargs):
        prompting.set()
        time.sleep(prompt_s)
        return prompt_fn(self, *args, **kwargs)

    monkeypatch.setattr(vt.VideoTracker, "_propagate_frame", slow_frame)
    monkeypatch.setattr(vt.VideoTracker, "add_prompt", slow_prompt)
    return clip, win, computed, prompting


def test_esc_while_the_worker_is_busy_with_the_prompt_is_not_lost(
        qtbot, make_window, synthetic_clip, monkeypatch):
    clip, win, computed, prompting = _sam2_window(qtbot, make_window, synthetic_clip,
                                                  monkeypatch, frame_s=0.05, prompt_s=1.5)
    win.prompting.on_mask_painted(clip.mask(0, 1))  # the worker spends 1.5 s on this prompt
    qtbot.waitUntil(prompting.is_set, timeout=30000)
    engine = win.session.engine
    with qtbot.waitSignal(engine.finished, timeout=60000) as done:
        win.track_flow.on_track()
        win.track_flow.on_cancel_track()  # Esc at once, while the prompt is still computing
        assert win.statusBar().currentMessage() == "Cancelling…"
    assert done.args == [False]
    assert computed == []  # was the whole clip: the cancel was cleared when the pass began
    assert win.session.project.masks.read_alpha(1, 0) is not None  # the prompt's mask
    assert "Tracking stopped" in win.statusBar().currentMessage()


def test_esc_stops_within_one_frame_and_keeps_the_tracked_frames(
        qtbot, make_window, synthetic_clip, monkeypatch):
    clip, win, computed, _prompting = _sam2_window(qtbot, make_window, synthetic_clip,
                                                   monkeypatch, frame_s=0.3)
    project = win.session.project
    win.prompting.on_mask_painted(clip.mask(0, 1))
    qtbot.waitUntil(lambda: project.masks.read_alpha(1, 0) is not None, timeout=30000)
    engine = win.session.engine
    state: dict = {"messages": []}

    def on_result(_frame):
        if "t" in state:
            state["messages"].append(win.statusBar().currentMessage())
        elif len(computed) >= 3:
            state["t"] = time.perf_counter()
            win.track_flow.on_cancel_track()

    engine.tracked.connect(on_result)
    engine.progress.connect(lambda *_a: "t" in state and state["messages"].append(
        win.statusBar().currentMessage()))
    with qtbot.waitSignal(engine.finished, timeout=60000) as done:
        win.track_flow.on_track()
    assert done.args == [False]
    after = [f for t, f in computed if t > state["t"]]
    assert len(after) <= 1  # at most the frame in progress when Esc was pressed
    assert all(m == "Cancelling…" for m in state["messages"])
    tracked = {f for _t, f in computed}
    assert set(project.masks.scores(1)[0].tolist()) == tracked | {0}  # all kept
    assert "tracked are kept" in win.statusBar().currentMessage()
