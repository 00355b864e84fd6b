"""Screenshots of the real editor for the docs: ``python -m editor.screenshots OUT_DIR``.

Drives the main window the way a user does — open a clip, click the object, track it, add
a background blur and a highlight, open the export dialog — and saves
``welcome.png``, ``tracking.png``, ``effects.png`` and ``export.png`` into ``OUT_DIR``.
Run it under Xvfb (``xvfb-run -a python -m editor.screenshots docs``) or offscreen
(``QT_QPA_PLATFORM=offscreen``); the window grabs itself, so both give the same pictures.

Without ``--clip`` it uses the generated sample clip (the same one as "Try a sample"), and
clicks the moving disc. ``--point X Y`` picks the click in source pixels for another clip,
``--box X0 Y0 X1 Y1`` drags a box instead.
It uses the offline engine unless ``--engine sam2`` is given (needs installed weights).
Settings, recent files and crash recovery go to a temporary folder, never the user's.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path


def wait_until(predicate, timeout_s: float, what: str) -> None:
    """Run a real event loop until ``predicate()`` holds (polled every 20 ms).

    Not ``QTest.qWait``: it keeps the GIL while it sleeps, which starves the worker threads
    (tracking ran 40× slower under it than under ``exec()``)."""
    from PySide6.QtCore import QEventLoop, QTimer

    if predicate():
        return
    loop, timer = QEventLoop(), QTimer()
    end = time.monotonic() + timeout_s
    state = {"timed_out": False}

    def poll() -> None:
        if predicate():
            loop.quit()
        elif time.monotonic() > end:
            state["timed_out"] = True
            loop.quit()

    timer.timeout.connect(poll)
    timer.start(20)
    loop.exec()
    timer.stop()
    if state["timed_out"]:
        raise TimeoutError(f"screenshots: timed out waiting for {what}")


def pause(seconds: float = 0.4) -> None:
    """Keep the event loop running for ``seconds`` (the window settles, workers go on)."""
    end = time.monotonic() + seconds
    wait_until(lambda: time.monotonic() >= end, seconds + 5, "the window to settle")


def _grab(widget, path: Path) -> Path:
    pause()
    if not widget.grab().save(str(path)):
        raise OSError(f"cannot write {path}")
    print(f"wrote {path}")
    return path


def _factory(engine: str):
    def make(path, settings):
        from editor.app.engines import make_engine

        return make_engine(path, dataclasses.replace(settings, engine=engine))
    return make


def take(out_dir: Path, clip: Path | None = None, point: tuple[float, float] | None = None,
         engine: str = "offline", size: tuple[int, int] = (1440, 900),
         box: tuple[float, float, float, float] | None = None) -> list[Path]:
    """Drive the window through the whole flow; returns the written PNG paths."""
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest

    from editor.launch import make_app
    from editor.main_window import MainWindow
    from editor.sample import sample_clip_path

    out_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="masklet-shots-"))
    make_app()
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(engine_factory=_factory(engine), settings=settings)
    win.autosave.folder = scratch / "recovery"
    win.resize(*size)
    win.show()
    shots = [_grab(win, out_dir / "welcome.png")]

    clicks: list[tuple[float, float]] = []
    if clip is None:
        clip = sample_clip_path(scratch)
        if point is None and box is None:  # the disc and the rectangle: two objects
            from rendering.synthetic import SyntheticClip

            sample = SyntheticClip(width=640, height=360, num_frames=90)
            x, y, _r = sample.circle(0)
            x0, y0, x1, y1 = sample.rectangle(0)
            clicks = [(x, y), ((x0 + x1) / 2, (y0 + y1) / 2)]
    win.open_path(str(clip))
    wait_until(lambda: win.session.project is not None and win.viewer.has_frame(), 60, "the clip")
    project = win.session.project
    if box is not None:  # drag a box, as a user does
        a = win.viewer.to_widget(box[0], box[1]).toPoint()
        b = win.viewer.to_widget(box[2], box[3]).toPoint()
        QTest.mousePress(win.viewer, Qt.MouseButton.LeftButton, pos=a)
        for k in range(1, 9):
            QTest.mouseMove(win.viewer, a + (b - a) * (k / 8))
        QTest.mouseRelease(win.viewer, Qt.MouseButton.LeftButton, pos=b)
    else:
        if not clicks:
            w, h = win.viewer.frame_size()
            clicks = [point or (w / 2, h / 2)]
        for n, (x, y) in enumerate(clicks):
            if n:
                win.edits.on_add_object()
            QTest.mouseClick(win.viewer, Qt.MouseButton.LeftButton,
                             pos=win.viewer.to_widget(x, y).toPoint())
            pause(0.2)
    wait_until(lambda: project.objects and all(
        project.masks.read_alpha(o.object_id, 0) is not None for o in project.objects),
        120, "the first masks")

    total = win.num_frames
    win.track_flow.on_track()
    wait_until(lambda: win.view.frame_index >= total * 0.6 or not win.session.engine.tracking,
          1800, "tracking to reach 60 %")
    shots.append(_grab(win, out_dir / "tracking.png"))
    wait_until(lambda: not win.session.engine.tracking, 1800, "tracking to finish")

    oid = project.objects[0].object_id
    win.effects_panel.set_owner(oid)
    win.effects_panel.add_effect("object-outline")
    win.effects_panel.set_owner(None)
    win.effects_panel.add_effect("background-blur")
    win.effects_panel.stack_list.setCurrentRow(0)
    win.actions_["show_effects"].setChecked(True)
    win.seek(total // 2)
    wait_until(lambda: win.viewer.bundle is not None and win.viewer.bundle.preview is not None
          and win.viewer.bundle.frame_index == total // 2, 60, "the effects preview")
    shots.append(_grab(win, out_dir / "effects.png"))

    from editor.dialogs.export import ExportDialog

    dialog = ExportDialog(win.session, win)
    dialog.path_edit.setText(str(scratch / "export.mp4"))
    dialog.show()
    dialog.start()
    wait_until(lambda: dialog.result is not None, 1800, "the export")
    shots.append(_grab(dialog, out_dir / "export.png"))
    dialog.close()
    project.undo_stack.set_clean()
    win.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m editor.screenshots", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--clip", type=Path, help="video to open (default: the sample clip)")
    parser.add_argument("--point", type=float, nargs=2, metavar=("X", "Y"),
                        help="where to click on frame 0, in source pixels")
    parser.add_argument("--box", type=float, nargs=4, metavar=("X0", "Y0", "X1", "Y1"),
                        help="drag a box on frame 0 instead of clicking")
    parser.add_argument("--engine", choices=("offline", "sam2"), default="offline")
    args = parser.parse_args(argv)
    take(args.out_dir, args.clip, tuple(args.point) if args.point else None, args.engine,
         box=tuple(args.box) if args.box else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
