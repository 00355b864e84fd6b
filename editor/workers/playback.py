"""Decode-ahead for playback: a reader thread fills a bounded queue of composed frames."""

from __future__ import annotations

import logging
import queue
import threading

from editor.workers.decode import Compose, FrameBundle

log = logging.getLogger(__name__)


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
