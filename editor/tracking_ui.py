"""Tracking from the main window: the engine question before the first prompt, the in/out
range, progress with frames/s and ETA of this pass in the status bar, cancelling, the
playhead following the tracked frames until the user looks elsewhere, Model settings."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from typing import Protocol

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction

from editor.engine_choice import EnginePreference, ensure_engine_choice
from editor.player import Player
from editor.proposals import ProposalController
from editor.status import StatusBar
from editor.timeline.view import TimelineView
from editor.view_state import ViewState
from editor.workers.engine import TrackRequest

#: Actions that move the playhead: used while tracking, they stop following the tracker.
NAVIGATION = ("next_frame", "prev_frame", "go_start", "go_end", "play_pause",
              "play_forward", "play_reverse")


class TrackingHost(Protocol):
    """What the controller needs from the window."""

    session: object
    status: StatusBar
    timeline: TimelineView
    player: Player
    actions_: Mapping[str, QAction]
    view: ViewState
    settings: QSettings
    proposals: ProposalController
    seek: Callable[[int], None]
    show_error: Callable[[str, str], None]


@dataclasses.dataclass
class TrackingRun:
    """One Track / Re-track pass as the window sees it."""

    request: TrackRequest
    engine: QObject             # the EngineWorker running it
    start_frame: int            # where the user was when the pass started
    t0: float
    first_result_s: float | None = None
    last_frame: int | None = None  # the latest tracked frame
    frames_done: int = 0
    cancelling: bool = False


class TrackingController(QObject):
    """Track, cancel and *Follow tracking* (the playhead shows each tracked frame until a
    timeline click or a frame step takes it elsewhere; the toggle brings it back)."""

    def __init__(self, host: TrackingHost) -> None:
        super().__init__(host)  # type: ignore[arg-type]
        self._host = host
        self._follow = host.actions_["follow_tracking"]
        self._follow.blockSignals(True)
        self._follow.setChecked(True)
        self._follow.blockSignals(False)
        self._auto_off = False  # following was stopped by navigation, not by the user
        self.run: TrackingRun | None = None
        self.last: dict | None = None  # ok, elapsed_s, first_result_s of the last pass
        host.timeline.frame_changed.connect(self.user_navigated)
        for key in NAVIGATION:
            host.actions_[key].triggered.connect(self.user_navigated)

    def _running(self) -> bool:
        """A pass of the session's current engine is running (an engine restarted mid-pass
        never reports the end of the old one)."""
        engine = self._host.session.engine
        return (self.run is not None and engine is not None and self.run.engine is engine
                and engine.tracking)

    @property
    def following(self) -> bool:
        return self._follow.isChecked()

    def set_follow(self, on: bool) -> None:
        """The View ▸ Follow tracking toggle: on jumps to the latest tracked frame."""
        self._auto_off = False
        if on and self.run is not None and self.run.last_frame is not None:
            self._show(self.run.last_frame)

    def user_navigated(self, *_args) -> None:
        """The user moved the playhead: while tracking, stop following (it keeps going)."""
        if not self._running() or not self.following:
            return
        self._follow.setChecked(False)
        self._auto_off = True
        self._host.status.showMessage("Tracking continues; the playhead stays where you put "
                                      "it (View ▸ Follow tracking follows it again)", 5000)

    # ------------------------------------------------------------------ actions
    def on_track(self, affected_only: bool = True) -> None:
        self.start(affected_only)

    def on_retrack_all(self) -> None:
        self.start(affected_only=False)

    def on_cancel_track(self) -> None:
        """Esc: close Find objects, else stop tracking, else stop playback."""
        host = self._host
        if host.proposals.active:
            host.proposals.dismiss()
        elif not self.cancel() and host.player.playing:
            host.player.stop()

    def on_follow_tracking(self, on: bool) -> None:
        self.set_follow(on)

    def on_model_settings(self) -> None:
        from editor.dialogs.model_settings import ModelSettingsDialog

        host = self._host
        ModelSettingsDialog(host.session, host, EnginePreference(host.settings)).exec()

    def ensure_engine_choice(self) -> bool:
        """Before a clip's first prompt: the engine question (see :mod:`editor.engine_choice`)."""
        return ensure_engine_choice(self._host)

    def on_engine_failed(self, message: str) -> None:
        self._host.show_error("Tracking", message)

    def on_prompt_absent(self, object_id: int, frame_index: int) -> None:
        """The engine found no object at a prompt: say so, or the click seems ignored."""
        project = self._host.session.project
        if project is None:
            return
        name = next((o.name for o in project.objects if o.object_id == object_id),
                    f"Object {object_id}")
        self._host.status.showMessage(
            f"{name}: no object found at this prompt on frame {frame_index + 1} — click "
            "inside the object, add more clicks, or draw a box around it", 10000)

    # ------------------------------------------------------------------ track / cancel
    def start(self, affected_only: bool) -> None:
        host = self._host
        session = host.session
        engine = session.engine
        if session.project is None or engine is None or engine.tracking:
            return
        if not any(o.prompts for o in session.project.objects):
            host.status.showMessage("Click an object in the viewer first, then Track.", 5000)
            return
        host.player.stop()
        if self._auto_off:  # the last pass was left by navigation: follow this one
            self._follow.setChecked(True)
        if self.run is not None:  # a pass of an engine restarted before it ended
            self._disconnect(self.run.engine)
        signals = self._signals(engine)
        for sig, slot in signals:
            sig.connect(slot)
        request = session.track(affected_only)
        if request is None:
            for sig, slot in signals:
                sig.disconnect(slot)
            return
        self.run = TrackingRun(request, engine, host.view.frame_index, time.perf_counter())
        first, end = request.bounds
        host.status.set_progress(0, end - first, "Tracking…")
        host.status.showMessage(f"Tracking {request.range_text()}… (Esc cancels)")

    def cancel(self) -> bool:
        """Esc while tracking: stop after the frame in progress; False when not tracking."""
        if not self._running():
            return False
        self.run.cancelling = True
        self._host.session.cancel()
        self._host.status.set_progress(self.run.frames_done, max(1, self.run.frames_done),
                                       "Cancelling…")
        self._host.status.showMessage("Cancelling…")  # until the worker stops
        return True

    def _signals(self, engine) -> list:
        return [(engine.tracked, self._on_tracked), (engine.progress, self._on_progress),
                (engine.finished, self._on_finished)]

    def _disconnect(self, engine) -> None:
        for sig, slot in self._signals(engine):
            sig.disconnect(slot)

    def _show(self, frame_index: int) -> None:
        self._host.seek(frame_index)  # frame, timecode, playhead and that frame's points
        self._host.timeline.ensure_visible(frame_index)

    def _on_tracked(self, frame_index: int) -> None:
        run = self.run
        if run is None:
            return
        if run.first_result_s is None:
            run.first_result_s = time.perf_counter() - run.t0
        run.last_frame = frame_index
        if self.following:
            self._show(frame_index)

    def _on_progress(self, done: int, total: int, fps: float) -> None:
        run = self.run
        if run is None:
            return
        run.frames_done = done
        if run.cancelling:
            return  # "Cancelling…" stays until the worker stops
        eta = (total - done) / fps if fps > 0 else 0.0
        self._host.status.set_progress(done, total, f"Tracking {done}/{total}")
        self._host.status.showMessage(f"Tracking {run.request.range_text()}: {fps:.1f} "
                                      f"frames/s, about {eta:.0f} s left (Esc cancels)")

    def _on_finished(self, ok: bool) -> None:
        host, run = self._host, self.run
        self.run = None
        if run is None:
            return
        self._disconnect(run.engine)  # not the session's engine: it may have been restarted
        host.status.hide_progress()
        elapsed = time.perf_counter() - run.t0
        self.last = {"ok": ok, "elapsed_s": elapsed, "first_result_s": run.first_result_s}
        if ok and run.first_result_s is None:  # the pass had no frame to redo
            where = "" if run.request.frame_range is None or run.request.bounds == (
                0, run.request.num_frames) else f" in {run.request.range_text()}"
            text = (f"Nothing to re-track{where}: no prompt changed since the last pass "
                    "(Track ▸ Re-track everything redoes the whole range)")
        elif ok:
            text = f"Tracking done: {run.request.range_text()} in {elapsed:.1f} s"
        else:
            text = (f"Tracking stopped: the {run.frames_done} frames tracked are kept"
                    if run.cancelling else "Tracking stopped")
        host.status.showMessage(text, 6000)
        host.timeline.refresh_lanes()
        # Stay where the user is; after a complete pass that the playhead followed, back to
        # the frame they were on (not the last frame of the reverse pass).
        host.seek(run.start_frame if ok and self.following else host.view.frame_index)
