"""Tracking from the main window: engine choice when no weights exist, progress with
frames/s and ETA in the status bar, the playhead following the tracked frames."""

from __future__ import annotations

import dataclasses
import time

from editor.model import commands as cmd


def ensure_engine_choice(window) -> bool:
    """Before the first prompt: SAM 2 chosen but no checkpoint installed → ask (download or
    offline). False when the user cancels. Tests with an engine factory skip this."""
    session = window.session
    project = session.project
    if session.engine_factory is not None or project.engine.engine != "sam2":
        return True
    if getattr(window, "_weights_checked", False):
        return True
    from editor.engines import installed_checkpoints

    if installed_checkpoints():
        window._weights_checked = True
        return True
    from editor.dialogs.no_weights import NoWeightsDialog

    dialog = NoWeightsDialog(window)
    if not dialog.exec():
        return False
    if dialog.choice == "offline":
        settings = dataclasses.replace(project.engine, engine="offline")
        session.execute(cmd.SetEngineSettings(project, settings))
    session.restart_engine()
    window._weights_checked = True
    return True


def start_tracking(window, affected_only: bool) -> None:
    session = window.session
    engine = session.engine
    if session.project is None or engine is None or engine.tracking:
        return
    if not any(o.prompts for o in session.project.objects):
        window.status.showMessage("Click an object in the viewer first, then Track.", 5000)
        return
    window.player.stop()
    state = {"t0": time.perf_counter(), "first": None}

    def on_result(res) -> None:
        if state["first"] is None:
            state["first"] = time.perf_counter() - state["t0"]
        if window.follow_tracking:
            window.seek(res.frame_index)  # frame, timecode, playhead and that frame's points
            window.timeline.ensure_visible(res.frame_index)

    def on_progress(done: int, total: int, fps: float) -> None:
        eta = (total - done) / fps if fps > 0 else 0.0
        window.status.set_progress(done, total, f"Tracking {done}/{total}")
        window.status.showMessage(f"Tracking… {fps:.1f} frames/s, about {eta:.0f} s left "
                                  "(Esc cancels)")

    def on_finished(ok: bool) -> None:
        for sig, slot in ((engine.result, on_result), (engine.progress, on_progress),
                          (engine.finished, on_finished)):
            sig.disconnect(slot)
        window.status.hide_progress()
        elapsed = time.perf_counter() - state["t0"]
        window.last_tracking = {"ok": ok, "elapsed_s": elapsed,
                                "first_result_s": state["first"]}
        if ok and state["first"] is None:  # the pass had no frame to redo
            text = ("Nothing to re-track: no prompt changed since the last pass "
                    "(Track ▸ Re-track everything redoes the whole clip)")
        else:
            text = f"Tracking done in {elapsed:.1f} s" if ok else "Tracking stopped"
        window.status.showMessage(text, 6000)
        window.timeline.refresh_lanes()
        window.seek(window.frame_index)

    engine.result.connect(on_result)
    engine.progress.connect(on_progress)
    engine.finished.connect(on_finished)
    window.status.set_progress(0, window.num_frames, "Tracking…")
    session.track(affected_only)
