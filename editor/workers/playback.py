"""Decode-ahead for playback: a reader thread fills a bounded queue of composed frames; the
playback clock says which frame is due at a wall time (by source time, so VFR clips play at
their own pace)."""

from __future__ import annotations

import bisect
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from editor.workers.decode import Compose, FrameBundle

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlaybackClock:
    """Which frame is due ``elapsed_s`` seconds of wall time after play started (forward play).

    Playing from frame ``start`` at ``rate`` × real time, the due frame is the one the source
    shows at ``frame_time(start) + rate · elapsed_s``: the last frame whose time is ≤ that
    (the rule of :mod:`rendering.timebase`). For a variable-rate clip this follows the
    source's own frame times, not ``start + elapsed · fps``.

    Attributes:
        frame_time: source time (s, exact) of a frame index, increasing with the index.
        num_frames: frames in the clip (the last one stays due at the end).
        start: the frame on screen when play started.
        rate: playback speed (positive).
    """

    frame_time: Callable[[int], Fraction]
    num_frames: int
    start: int
    rate: int = 1

    def due_frame(self, elapsed_s: float) -> int:
        """Index of the frame on screen after ``elapsed_s`` seconds (≥ ``start``)."""
        target = self.frame_time(self.start) + Fraction(max(0.0, elapsed_s)) * self.rate
        later = range(self.start + 1, self.num_frames)
        return self.start + bisect.bisect_right(later, target, key=self.frame_time)


class PlaybackReader:
    """Reads frames ``start..end-1`` sequentially with its own frame source, composes them
    (overlay masks / effects preview) and keeps up to ``depth`` ready. ``get()`` never
    blocks (None when the reader is behind)."""

    def __init__(self, open_source, start: int, end: int, compose: Compose,
                 depth: int = 8) -> None:
        self._queue: queue.Queue[FrameBundle | None] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self.error: str | None = None
        self.finished = False
        self._thread = threading.Thread(
            target=self._run, args=(open_source, start, end, compose),
            name="masklet-playback", daemon=True)
        self._thread.start()

    def _run(self, open_source, start: int, end: int, compose: Compose) -> None:
        source = None
        try:
            source = open_source()
            for frame_index, frame in source.iter_frames(start, end):
                bundle = compose(frame_index, frame)
                while not self._stop.is_set():
                    try:
                        self._queue.put(bundle, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
        except Exception as exc:  # reported in the status bar by the player
            log.exception("playback decode failed")
            self.error = str(exc)
        finally:
            self.finished = True
            if source is not None and hasattr(source, "close"):
                source.close()

    def get(self) -> FrameBundle | None:
        try:
            return self._queue.get_nowait()
        except queue.Empty:
            return None

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
