"""Main window end to end (offscreen): open a synthetic clip, click, track, lanes fill."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from rendering.synthetic import SyntheticClip  # noqa: E402


@pytest.fixture()
def clip_path(tmp_path):
    clip = SyntheticClip(width=160, height=96, num_frames=24, fps=Fraction(24))
    return clip, clip.write(tmp_path / "clip.mp4")


@pytest.fixture()
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    from editor.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(900, 600)
    win.show()
    yield win
    win.close()


def test_open_click_track(qtbot, window, clip_path):
    clip, path = clip_path
    assert window.open_video(str(path))
    qtbot.waitUntil(window.viewer.has_frame, timeout=5000)
    cx, cy, _r = clip.circle(0)
    window.add_point(cx, cy, 1)
    assert window.masks[(1, 0)][int(cy), int(cx)]
    truth = clip.mask(0, clip.object_ids[0]) > 0
    assert (window.masks[(1, 0)] & truth).sum() / truth.sum() > 0.5
    window.track()
    with qtbot.waitSignal(window.worker.finished, timeout=30000) as blocker:
        pass
    assert blocker.args == [True]
    lane = window.lanes[1]
    assert lane.coverage() >= clip.num_frames - 2
    cx, cy, _r = clip.circle(clip.num_frames - 1)
    assert window.masks[(1, clip.num_frames - 1)][int(cy), int(cx)]


def test_bad_file_does_not_crash(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a))
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    assert not window.open_video(str(bad))
    assert shown and window.source is None


def test_seek_and_playback_keys(qtbot, window, clip_path):
    _clip, path = clip_path
    window.open_video(str(path))
    window.seek(5)
    qtbot.waitUntil(lambda: window.viewer.has_frame(), timeout=5000)
    assert window.frame_index == 5
    window.seek(10_000)
    assert window.frame_index == 23
    window.play()
    window.seek(0)
    qtbot.waitUntil(lambda: window.frame_index >= 3, timeout=5000)
    window.pause()
    frame = np.asarray(window.source.read(window.frame_index))
    assert frame.shape == (96, 160, 3)
