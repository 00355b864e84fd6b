"""Random user actions on the real editor window; reports every exception and error log.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.editor.monkey [--seeds 1 2 3]
        [--steps 300] [--engine offline|sam2]

Not a pytest test (thread timing makes a run not exactly repeatable); a developer tool that
found real bugs: a correction plan indexing an empty list after an object was deleted, a
zero-width box blocking every later prompt. Each seed opens a generated 60-frame clip and
performs ``--steps`` actions drawn at random (clicks, exclude clicks, boxes, brush and eraser
strokes, objects added / deleted / hidden / selected, undo, redo, seeking, playback, tracking,
re-tracking, cancelling, effects, in/out points, clearing prompts, exports with a random
preset / quality / audio / range, saving and reopening the project) with short random
pauses; an export that does not finish "done" counts as a problem. ``--engine sam2`` uses the random-weight micro SAM 2.
Message boxes answer at once. Exit status 1 when anything went wrong.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import traceback
from fractions import Fraction
from pathlib import Path

EXPORT_PRESETS = ("h264", "hevc", "prores4444", "vp9-alpha", "png-rgba", "matte", "mask-pngs")
EFFECTS = ("background-blur", "object-outline", "object-glow", "cutout", "background-remove",
           "object-pixelate", "spotlight", "object-remove")


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(self.format(record))


def _quiet_message_boxes() -> None:
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox.StandardButton
    QMessageBox.exec = lambda self: box.Discard
    for name in ("question", "warning", "critical", "information"):
        setattr(QMessageBox, name, staticmethod(lambda *a, **k: box.Discard))


def _factory(engine: str):
    from editor.app.engines import make_engine

    if engine == "sam2":
        from tests.micro_sam2 import micro_sam2

        model = micro_sam2()
        return lambda path, settings: make_engine(path, settings, model=model)
    import dataclasses

    return lambda path, settings: make_engine(
        path, dataclasses.replace(settings, engine="offline"))


def run(seed: int, steps: int, engine: str, errors: list[str]) -> None:
    from PySide6.QtCore import QPoint, QSettings, Qt
    from PySide6.QtTest import QTest

    from editor.main_window import MainWindow
    from editor.screenshots import pause, wait_until
    from rendering.synthetic import SyntheticClip

    rng = random.Random(seed)
    scratch = Path(tempfile.mkdtemp(prefix="masklet-monkey-"))
    clip = SyntheticClip(width=320, height=180, num_frames=60, fps=Fraction(24))
    path = clip.write(scratch / "clip.mp4")
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(engine_factory=_factory(engine), settings=settings)
    win.autosave.folder = scratch / "recovery"
    win.resize(1280, 800)
    win.show()

    def opened() -> None:
        wait_until(lambda: win.session.project is not None and win.viewer.has_frame(), 60,
                   "the clip")

    win.open_path(str(path))
    opened()

    def spot():
        w, h = win.viewer.frame_size()
        return win.viewer.to_widget(rng.uniform(0, w), rng.uniform(0, h)).toPoint()

    def click(button=Qt.MouseButton.LeftButton) -> None:
        QTest.mouseClick(win.viewer, button, pos=spot())

    def ruler_click() -> None:  # a real click on the timeline (also while tracking)
        canvas = win.timeline.canvas
        x = canvas.x_of(rng.randrange(clip.num_frames)) + canvas.px_per_frame / 2
        QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(x), 5))

    def track_then(action) -> None:  # in/out changes and ruler clicks during tracking
        win.track_flow.on_track(rng.random() < 0.7)
        pause(rng.choice([0.0, 0.05, 0.2]))
        action()

    def random_range() -> None:
        first = rng.randrange(clip.num_frames)
        win.edits.set_range(first, rng.randrange(first + 1, clip.num_frames + 1), keep="in")

    def drag() -> None:
        a, b = spot(), spot()
        QTest.mousePress(win.viewer, Qt.MouseButton.LeftButton, pos=a)
        for k in range(1, 5):
            QTest.mouseMove(win.viewer, a + (b - a) * (k / 4))
        QTest.mouseRelease(win.viewer, Qt.MouseButton.LeftButton, pos=b)

    def stroke(tool) -> None:
        tool(True)
        drag()
        win.edits.on_tool_prompt(True)

    def add_effect() -> None:
        owners = [None] + [o.object_id for o in win.session.project.objects]
        win.effects_panel.set_owner(rng.choice(owners))
        win.effects_panel.add_effect(rng.choice(EFFECTS))

    def select() -> None:
        ids = [o.object_id for o in win.session.project.objects]
        if ids:
            win.objects_panel.select(rng.choice(ids))

    def export() -> None:
        from editor.dialogs.export import ExportDialog

        dialog = ExportDialog(win.session, win)
        name = rng.choice(EXPORT_PRESETS)
        dialog.preset_box.setCurrentIndex(dialog.preset_box.findData(name))
        if dialog.quality_box.isEnabled() and rng.random() < 0.5:
            dialog.quality_box.setValue(rng.randint(dialog.quality_box.minimum(),
                                                    dialog.quality_box.maximum()))
        dialog.audio_box.setChecked(rng.random() < 0.7)
        suffix = Path(dialog.path_edit.text()).suffix
        dialog.path_edit.setText(str(scratch / f"export-{step}{suffix}"))
        dialog.range_box.setCurrentIndex(rng.randrange(2))
        dialog.start()
        wait_until(lambda: dialog.result is not None, 300, "the export")
        if dialog.result[0] != "done":
            project = win.session.project
            errors.append(
                f"seed {seed} step {step} export {name}: {dialog.result} (crf "
                f"{dialog.chosen_crf()}, audio {dialog.audio_box.isChecked()}, range "
                f"{dialog.range_box.currentData()} {project.in_frame}..{project.out_frame}, "
                f"effects {[e.name for e in project.background_effects]} "
                f"{[[e.name for e in o.effects] for o in project.objects]})")
        dialog.close()

    def reopen() -> None:
        project_path = scratch / "reopen.masklet"
        win.files.save_to(project_path)
        win.open_path(str(project_path))
        opened()

    actions = {
        "click": click, "exclude": lambda: click(Qt.MouseButton.RightButton), "box": drag,
        "brush": lambda: stroke(win.edits.on_tool_brush), "erase": lambda: stroke(win.edits.on_tool_eraser),
        "add_object": win.edits.on_add_object, "delete_object": win.edits.on_delete_object,
        "toggle_object": win.edits.on_toggle_object, "select": select,
        "undo": win.edits.on_undo, "redo": win.edits.on_redo,
        "next": win.playback.on_next_frame, "prev": win.playback.on_prev_frame,
        "seek": lambda: win.seek(rng.randrange(clip.num_frames)), "play": win.playback.on_play_pause,
        "track": win.track_flow.on_track, "retrack": win.track_flow.on_retrack_all, "cancel": win.track_flow.on_cancel_track,
        "effects_view": lambda: win.actions_["show_effects"].toggle(), "add_effect": add_effect,
        "in": win.edits.on_set_in, "out": win.edits.on_set_out, "clear_range": win.edits.on_clear_range,
        "clear_prompts": win.edits.on_clear_frame_prompts, "export": export,
        "save": lambda: win.files.save_to(scratch / f"p{rng.randint(0, 2)}.masklet"),
        "reopen": reopen, "ruler_click": ruler_click, "range": random_range,
        "track_ruler": lambda: track_then(ruler_click),
        "track_range": lambda: track_then(random_range),
        "follow": lambda: win.actions_["follow_tracking"].toggle(),
    }
    names = sorted(actions)
    for step in range(steps):
        name = rng.choice(names)
        try:
            actions[name]()
        except Exception:  # an action the window let through but could not do
            errors.append(f"seed {seed} step {step} {name}:\n{traceback.format_exc()}")
        pause(rng.choice([0.02, 0.05, 0.2, 0.5]))
    wait_until(lambda: not win.session.engine.tracking, 120, "tracking to stop")
    win.session.project.undo_stack.set_clean()
    win.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--engine", choices=["offline", "sam2"], default="offline")
    args = parser.parse_args(argv)
    from editor.launch import make_app

    make_app()
    _quiet_message_boxes()
    handler = _Errors()
    logging.getLogger().addHandler(handler)
    errors: list[str] = []
    previous_hook = sys.excepthook
    sys.excepthook = lambda *exc: errors.append("".join(traceback.format_exception(*exc)))
    try:
        for seed in args.seeds:
            before = len(errors) + len(handler.seen)
            run(seed, args.steps, args.engine, errors)
            print(f"seed {seed}: {len(errors) + len(handler.seen) - before} problems",
                  flush=True)
    finally:
        sys.excepthook = previous_hook
    for problem in errors + handler.seen:
        print(problem, file=sys.stderr)
    return 1 if errors or handler.seen else 0


if __name__ == "__main__":
    sys.exit(main())
