"""Playback: space / J K L / arrows; frames decoded ahead on a reader thread; audio through
QtMultimedia when an output device exists (otherwise muted, with a notice)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from fractions import Fraction
from functools import partial

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from editor.workers.playback import PlaybackClock, PlaybackReader
from rendering.timebase import frame_to_seconds

log = logging.getLogger(__name__)

#: How often forward play checks which frame is due (ms): above any display's refresh rate.
TICK_MS = 8


class AudioOut:
    """Plays the source file's audio from a time; ``available`` False → muted."""

    def __init__(self, path) -> None:
        self.available = False
        self.reason = ""
        self._player = None
        try:
            from PySide6.QtCore import QUrl
            from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer

            if not QMediaDevices.audioOutputs():
                self.reason = "no audio output device"
                return
            self._output = QAudioOutput()
            self._player = QMediaPlayer()
            self._player.setAudioOutput(self._output)
            self._player.setSource(QUrl.fromLocalFile(str(path)))
            self.available = True
        except Exception as exc:  # QtMultimedia missing or broken: play muted
            self.reason = f"audio unavailable ({exc})"
            log.info("audio disabled: %s", exc)

    def play_from(self, time_s: float) -> None:
        if self.available:
            self._player.setPosition(int(time_s * 1000))
            self._player.play()

    def stop(self) -> None:
        if self.available:
            self._player.pause()


class Player(QObject):
    """Drives playback; emits ``bundle(FrameBundle)`` for forward play and
    ``seek_requested(frame_index)`` for reverse play; ``state_changed(playing)``."""

    bundle = Signal(object)
    seek_requested = Signal(int)
    state_changed = Signal(bool)
    notice = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._reader: PlaybackReader | None = None
        self.rate = 0
        self.frame_index = 0
        self.end = 0
        self.fps = Fraction(30)
        self.frame_time: Callable[[int], Fraction] = partial(frame_to_seconds, fps=self.fps)
        self._clock: PlaybackClock | None = None
        self.audio: AudioOut | None = None
        self._notified = False
        self.shown = 0
        self.late = 0
        self.dropped = 0  # frames skipped to stay on the clock (and with the audio)
        self._held = None  # a decoded frame that is not due yet
        self._t0 = 0.0

    @property
    def playing(self) -> bool:
        return self.rate != 0

    def setup(self, open_source, path, num_frames: int, fps: Fraction,
              frame_time: Callable[[int], Fraction] | None = None) -> None:
        """``frame_time``: the source's time (s) of a frame (``source.frame_time``, exact for
        VFR clips); None for a constant rate, ``index / fps``."""
        self.stop()
        self._open_source, self.end, self.fps = open_source, num_frames, Fraction(fps)
        self.frame_time = frame_time or partial(frame_to_seconds, fps=self.fps)
        self.audio = AudioOut(path)
        self._notified = False

    def play(self, frame_index: int, compose, rate: int = 1, end: int | None = None) -> None:
        """Play from ``frame_index`` at ``rate`` (±1, ±2, ±4 × real time) until ``end``."""
        self.stop(emit=False)
        self.rate, self.frame_index = rate, frame_index
        stop_at = self.end if end is None else end
        if rate > 0:
            if frame_index >= stop_at - 1:
                self.rate = 0
                return
            self._reader = PlaybackReader(self._open_source, frame_index + 1, stop_at, compose)
        if rate == 1 and self.audio is not None:
            if self.audio.available:
                self.audio.play_from(float(self.frame_time(frame_index)))
            elif not self._notified:
                self._notified = True
                self.notice.emit(f"Playback is muted: {self.audio.reason}")
        self.shown = self.late = self.dropped = 0
        self._clock = PlaybackClock(self.frame_time, self.end, frame_index, abs(rate))
        self._held = None
        self._t0 = time.perf_counter()
        # forward play polls the clock (frames are shown at most TICK_MS after their time, at
        # any rate, VFR included); reverse play steps one frame per tick
        self._timer.start(TICK_MS if rate > 0 else max(1, round(1000 / float(self.fps) / -rate)))
        self.state_changed.emit(True)

    def stop(self, emit: bool = True) -> None:
        was = self.rate != 0
        self._timer.stop()
        self.rate = 0
        self._held = None
        if self._reader is not None:
            self._reader.stop()
            self._reader = None
        if self.audio is not None:
            self.audio.stop()
        if emit and was:
            self.state_changed.emit(False)

    def fps_reached(self) -> float:
        """Frames shown per second of wall time since play started."""
        return self.shown / max(1e-6, time.perf_counter() - self._t0)

    def _due_bundle(self):
        """The newest decoded frame that is due by the wall clock (forward play).

        Playback follows the clock, like the audio: the frame due is the one the source shows
        at the play position's source time plus the wall time since play (see
        :class:`PlaybackClock`; VFR clips keep their pace). When decoding or the UI falls
        behind, frames that are already late are skipped (counted in ``dropped``) instead of
        slowing the picture down; a frame that is not due yet waits for a later tick."""
        if self._reader is None or self._clock is None:
            return None
        due = self._clock.due_frame(time.perf_counter() - self._t0)
        bundle, self._held = self._held or self._reader.get(), None
        while bundle is not None and bundle.frame_index < due:
            newer = self._reader.get()
            if newer is None or newer.frame_index > due:
                self._held = newer
                break
            bundle = newer
            self.dropped += 1
        if bundle is not None and bundle.frame_index > due:
            self._held, bundle = bundle, None
        return bundle

    def _tick(self) -> None:
        if self.rate < 0:
            if self.frame_index <= 0:
                self.stop()
                return
            self.frame_index -= 1
            self.shown += 1
            self.seek_requested.emit(self.frame_index)
            return
        bundle = self._due_bundle()
        if bundle is None:
            if self._held is not None:
                return  # the next frame is decoded but not due yet
            if self._reader is not None and self._reader.finished:
                if self._reader.error:
                    self.notice.emit(f"Playback stopped: {self._reader.error}")
                self.stop()
            else:
                self.late += 1
            return
        self.frame_index = bundle.frame_index
        self.shown += 1
        self.bundle.emit(bundle)
