"""View ▸ play, J/K/L, frame steps, start/end, zoom of the viewer and the timeline."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Protocol

from PySide6.QtCore import QObject

from editor.frame_compose import make_compose
from editor.player import Player
from editor.session import Session
from editor.timeline.view import TimelineView
from editor.view_state import ViewState
from editor.viewer import Viewer

MAX_RATE = 8


class PlaybackHost(Protocol):
    """What the controller needs from the window: the playhead and its views."""

    session: Session
    player: Player
    viewer: Viewer
    timeline: TimelineView
    view: ViewState
    num_frames: int
    seek: Callable[[int], None]


class PlaybackController(QObject):
    """Playback (forwards and backwards, faster on repeat), frame steps and zoom."""

    def __init__(self, host: PlaybackHost) -> None:
        super().__init__(host)  # type: ignore[arg-type]
        self._host = host

    def _play(self, rate: int) -> None:
        host = self._host
        project = host.session.project
        if project is None:
            return
        start = host.view.frame_index
        end = project.out_frame or host.num_frames
        if rate > 0 and start >= end - 1:
            start = project.in_frame  # at the end: start over, like other editors
            host.seek(start)
        compose = make_compose(project, host.viewer.show_effects,
                               Fraction(host.session.source.fps))
        host.player.play(start, compose, rate, end)

    def _step_to(self, frame_index: int) -> None:
        self._host.player.stop()
        self._host.seek(frame_index)

    def on_play_pause(self) -> None:
        if self._host.player.playing:
            self._host.player.stop()
        else:
            self._play(1)

    def on_play_forward(self) -> None:
        rate = self._host.player.rate
        self._play(min(MAX_RATE, rate * 2) if rate > 0 else 1)

    def on_play_reverse(self) -> None:
        rate = self._host.player.rate
        self._play(max(-MAX_RATE, rate * 2) if rate < 0 else -1)

    def on_stop(self) -> None:
        self._host.player.stop()

    def on_next_frame(self) -> None:
        self._step_to(self._host.view.frame_index + 1)

    def on_prev_frame(self) -> None:
        self._step_to(self._host.view.frame_index - 1)

    def on_go_start(self) -> None:
        self._step_to(0)

    def on_go_end(self) -> None:
        self._step_to(self._host.num_frames - 1)

    # ------------------------------------------------------------------ zoom
    def on_zoom_fit(self) -> None:
        viewer = self._host.viewer
        viewer.fit = True
        viewer.update()

    def on_zoom_100(self) -> None:
        viewer = self._host.viewer
        viewer.fit, viewer.zoom = False, 1.0
        viewer.update()

    def on_timeline_zoom_in(self) -> None:
        self._host.timeline.zoom(1.5)

    def on_timeline_zoom_out(self) -> None:
        self._host.timeline.zoom(1 / 1.5)

    def on_timeline_fit(self) -> None:
        self._host.timeline.zoom_fit()
