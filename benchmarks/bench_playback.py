"""Editor playback and responsiveness on a real clip (the real main window, offscreen).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_playback.py \
        [--clip ../shared/clips/sam2-gallery_01_dog/01_dog.mp4] [--seconds 8]

Prints, for playback from frame 0 at 1× for ``--seconds``:
  * the baseline: sequential decode + RGB conversion fps of the same clip in this process
    (what the playback reader cannot beat), and the clip's own rate;
  * fps reached in the window (frames shown per wall second), late ticks (timer ticks with
    no decoded frame ready) / dropped frames (skipped to stay on the clock), and the
    longest UI-thread stall (a 10 ms heartbeat timer):
    plain, with one object's mask overlay, and with the effects preview (background blur);
  * tracking responsiveness with the offline engine: click → first mask shown, frames/s of
    the tracking pass as the UI receives them, the longest UI stall while tracking.
Ratios are against the clip's rate (1.00 = real time) and against the decode baseline.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from editor.screenshots import pause, wait_until  # noqa: E402

DEFAULT_CLIP = Path(__file__).resolve().parents[2] / "shared/clips/sam2-gallery_01_dog/01_dog.mp4"


def decode_baseline(path: Path, frames: int) -> float:
    from rendering.media import open_source

    src = open_source(path)
    n = min(frames, len(src))
    t0 = time.perf_counter()
    for i in range(n):
        src.read(i)
    return n / (time.perf_counter() - t0)


class Heartbeat:
    """Longest gap between 10 ms timer ticks on the UI thread (a stall the user feels)."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.last = time.perf_counter()
        self.worst = 0.0
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last)
        self.last = now

    def start(self) -> None:
        self.last, self.worst = time.perf_counter(), 0.0
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return self.worst


def wait(predicate, timeout_s: float) -> None:
    """A real event loop until ``predicate()`` (QTest.qWait holds the GIL while it sleeps and
    would starve the worker threads being measured)."""
    wait_until(predicate, timeout_s, "a benchmark step")


def play(win, seconds: float, beat: Heartbeat) -> tuple[float, int, float]:
    win.seek(0)
    pause(0.3)
    beat.start()
    win.playback.on_play_pause()
    pause(seconds)
    fps, late = win.player.fps_reached(), win.player.late
    late = f"{late}/{win.player.dropped}"
    win.playback.on_play_pause()
    return fps, late, beat.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from fractions import Fraction

    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest

    from editor.app.engines import make_engine
    from editor.launch import make_app
    from editor.main_window import MainWindow
    from rendering.media import probe

    info = probe(args.clip)
    rate = float(Fraction(info.avg_rate))
    print(f"clip {args.clip.name}: {info.width}x{info.height}, {info.frame_count} frames at "
          f"{rate:.3f} fps; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    base = decode_baseline(args.clip, int(rate * args.seconds))
    print(f"baseline sequential decode+RGB: {base:.1f} fps  ({base / rate:.2f}x real time)")

    # The tracking engine alone, same click, same clip: what the UI's tracking pass compares to.
    from rendering.media import open_source
    from segmentation.offline import OfflineTracker

    alone = OfflineTracker(open_source(args.clip))
    t0 = time.perf_counter()
    alone.add_prompt(0, 1, points=[(info.width * 0.47, info.height * 0.6)], labels=[1])
    alone_prompt = time.perf_counter() - t0
    t0 = time.perf_counter()
    n = sum(1 for _ in alone.propagate(start=0))
    alone_fps = n / (time.perf_counter() - t0)
    print(f"baseline offline engine alone: prompt {alone_prompt * 1000:.0f} ms, "
          f"propagate {alone_fps:.1f} frames/s")

    make_app()
    scratch = Path(tempfile.mkdtemp(prefix="masklet-bench-"))
    settings = QSettings(str(scratch / "s.ini"), QSettings.Format.IniFormat)

    def offline(path, s):
        return make_engine(path, dataclasses.replace(s, engine="offline"))

    win = MainWindow(engine_factory=offline, settings=settings)
    win.autosave.folder = scratch / "recovery"
    win.resize(1440, 900)
    win.show()
    win.open_path(str(args.clip))
    wait(lambda: win.session.project is not None and win.viewer.has_frame(), 60)
    beat = Heartbeat()

    rows = []
    fps, late, stall = play(win, args.seconds, beat)
    rows.append(("plain", fps, late, stall))

    # Tracking responsiveness: a click in the middle of the frame, then a tracking pass.
    project = win.session.project
    w, h = win.viewer.frame_size()
    t0 = time.perf_counter()
    beat.start()
    pos = win.viewer.to_widget(w * 0.47, h * 0.6).toPoint()
    QTest.mouseClick(win.viewer, Qt.MouseButton.LeftButton, pos=pos)
    wait(lambda: project.objects and win.viewer.bundle is not None
         and win.viewer.bundle.masks.get(project.objects[0].object_id) is not None, 120)
    first_mask = time.perf_counter() - t0
    t0 = time.perf_counter()
    win.track_flow.on_track()
    wait(lambda: not win.session.engine.tracking, 3600)
    track_s = time.perf_counter() - t0
    track_stall = beat.stop()
    print(f"click -> first mask shown: {first_mask * 1000:.0f} ms; tracking pass "
          f"{info.frame_count} frames in {track_s:.1f} s ({info.frame_count / track_s:.1f} "
          f"frames/s as the UI receives them); longest UI stall while tracking "
          f"{track_stall * 1000:.0f} ms; UI/engine-alone tracking ratio "
          f"{info.frame_count / track_s / alone_fps:.2f}")

    fps, late, stall = play(win, args.seconds, beat)
    rows.append(("mask overlay", fps, late, stall))
    win.effects_panel.set_owner(None)
    win.effects_panel.add_effect("background-blur")
    win.actions_["show_effects"].setChecked(True)
    pause(0.3)
    fps, late, stall = play(win, args.seconds, beat)
    rows.append(("effects preview (blur)", fps, late, stall))

    print(f"{'playback':26s} {'fps':>6s} {'x real':>7s} {'x decode':>9s} {'late/dropped':>12s} "
          f"{'stall ms':>9s}")
    for name, fps, late, stall in rows:
        print(f"{name:26s} {fps:6.1f} {fps / rate:7.2f} {fps / base:9.2f} {late:>12s} "
              f"{stall * 1000:9.0f}")
    project.undo_stack.set_clean()
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
