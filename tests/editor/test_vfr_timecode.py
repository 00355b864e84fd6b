"""Variable-frame-rate clips: the status bar and the timeline ruler show each frame's timecode
from its own timestamp (a frame count at the nominal rate would drift from the real time)."""

from __future__ import annotations

from fractions import Fraction

from rendering.synthetic import SyntheticClip
from rendering.timebase import format_timecode, timecode_at
from tests.editor.conftest import open_clip


def test_timecode_at_counts_time_at_the_nominal_rate():
    assert timecode_at(Fraction(5, 3), Fraction(30)) == "00:00:01:20"
    assert timecode_at(Fraction(0), Fraction(30)) == "00:00:00:00"
    ntsc = Fraction(30000, 1001)
    assert timecode_at(Fraction(1800 * 1001, 30000), ntsc) == format_timecode(1800, ntsc)


def test_status_and_ruler_follow_the_timestamps_of_a_vfr_clip(qtbot, make_window, tmp_path):
    clip = SyntheticClip(width=64, height=48, num_frames=40, fps=Fraction(30))
    times = clip.step_rate_times(20, Fraction(10))  # 30 fps for 20 frames, then 10 fps
    path = clip.write(tmp_path / "vfr.mp4", times=times)
    win = make_window()
    open_clip(qtbot, win, path)
    fps = Fraction(win.session.source.fps)
    assert win.session.source.frame_time(30) == times[30] == Fraction(5, 3)
    win.seek(30)
    expected = timecode_at(times[30], fps)  # 1 2/3 s: "00:00:01:20" at 30 fps
    qtbot.waitUntil(lambda: win.status.position_label.text().startswith(expected))
    assert expected != format_timecode(30, fps)  # a frame count would say 00:00:01:00
    canvas = win.timeline.canvas
    assert [timecode_at(canvas.frame_time(f), canvas.fps) for f in (20, 30)] == \
        [timecode_at(times[20], fps), expected]
