"""The playback clock follows the source's frame times, so VFR clips play at their own pace
(issue #16, item 5): at wall time t after play from frame s, the frame shown is the one the
source shows at frame_time(s) + t."""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np

from editor.player import Player
from editor.workers.decode import plain_bundle
from editor.workers.playback import PlaybackClock
from rendering.synthetic import SyntheticClip

CLIP = SyntheticClip(num_frames=40, fps=Fraction(30))
TIMES = CLIP.step_rate_times(20, Fraction(10))  # 20 frames at 30 fps, then 20 at 10 fps
AVERAGE_FPS = Fraction(15)  # 40 frames in 8/3 s


def test_clock_follows_vfr_frame_times() -> None:
    clock = PlaybackClock(TIMES.__getitem__, len(TIMES), start=0)
    assert clock.due_frame(0.0) == 0
    assert clock.due_frame(0.64) == 19  # frame 19 at 0.633 s
    assert clock.due_frame(0.70) == 20  # frame 20 at 0.667 s, frame 21 only at 0.767 s
    assert clock.due_frame(0.80) == 21
    assert clock.due_frame(99.0) == 39  # the last frame stays due
    slow = PlaybackClock(TIMES.__getitem__, len(TIMES), start=25)  # 7/6 s, in the slow part
    assert slow.due_frame(0.05) == 25 and slow.due_frame(0.31) == 28
    assert PlaybackClock(TIMES.__getitem__, len(TIMES), 25, rate=2).due_frame(0.31) == 31


def test_clock_on_a_constant_rate_is_index_over_fps() -> None:
    def cfr(i: int) -> Fraction:
        return Fraction(i, 30)

    clock = PlaybackClock(cfr, 100, start=10)
    for k in range(0, 60, 7):
        assert clock.due_frame((k + 0.5) / 30) == 10 + k


class _Source:
    def iter_frames(self, start, end):
        for i in range(start, end):
            yield i, np.full((4, 4, 3), i, np.uint8)

    def close(self):
        pass


class _Audio:
    available = True

    def __init__(self) -> None:
        self.started_at: list[float] = []

    def play_from(self, time_s: float) -> None:
        self.started_at.append(time_s)

    def stop(self) -> None:
        pass


def test_player_shows_the_vfr_frame_due_and_starts_the_audio_at_its_time(qtbot) -> None:
    player = Player()
    player.setup(_Source, "none.mp4", len(TIMES), AVERAGE_FPS, TIMES.__getitem__)
    player.audio = audio = _Audio()
    shown = []
    player.bundle.connect(lambda b: shown.append(b.frame_index))
    player.play(20, plain_bundle)
    player._timer.stop()  # ticks by hand
    qtbot.waitUntil(lambda: player._reader._queue.full(), timeout=5000)
    assert audio.started_at == [float(TIMES[20])]  # 0.667 s, not 20 / 15 fps = 1.333 s
    player._t0 = time.perf_counter() - 0.15  # 0.15 s after play: frame 21 (0.1 s after 20)
    player._tick()
    assert shown == [21] and player.dropped == 0
    player._tick()  # frame 22 is due only 0.2 s after frame 20
    assert shown == [21]
    player._t0 -= 0.1
    player._tick()
    assert shown == [21, 22]
    player.stop()
