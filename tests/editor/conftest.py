"""Fixtures for the editor's pytest-qt tests: a synthetic clip on disk and a main window
with isolated settings, recovery folder and the offline engine."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest

pytest.importorskip("pytestqt")


@pytest.fixture()
def synthetic_clip(tmp_path):
    """(SyntheticClip, path): 160×96, 24 frames at 24 fps with a 440 Hz tone."""
    from rendering.synthetic import SyntheticClip

    clip = SyntheticClip(width=160, height=96, num_frames=24, fps=Fraction(24))
    return clip, clip.write(tmp_path / "clip.mp4")


def offline_factory(path, settings):
    from editor.app.engines import make_engine

    return make_engine(path, dataclasses.replace(settings, engine="offline"))


@pytest.fixture()
def make_window(qtbot, tmp_path):
    """Build a MainWindow (optionally with another engine factory); closes it afterwards."""
    from PySide6.QtCore import QSettings

    from editor.main_window import MainWindow

    windows = []

    def make(factory=offline_factory):
        settings = QSettings(str(tmp_path / f"settings{len(windows)}.ini"),
                             QSettings.Format.IniFormat)
        win = MainWindow(engine_factory=factory, settings=settings)
        win.autosave.folder = tmp_path / "recovery"
        qtbot.addWidget(win)
        win.resize(1000, 700)
        win.show()
        windows.append(win)
        return win

    yield make
    for win in windows:
        if win.session.project is not None:
            win.session.project.undo_stack.set_clean()
        win.close()


def open_clip(qtbot, win, path) -> None:
    with qtbot.waitSignal(win.session.opened, timeout=10000):
        win.open_path(str(path))
    qtbot.waitUntil(win.viewer.has_frame, timeout=10000)


def click_frame(qtbot, win, x: float, y: float, button=None) -> None:
    """Mouse click on the viewer at source pixel (x, y)."""
    from PySide6.QtCore import Qt

    pos = win.viewer.to_widget(x, y).toPoint()
    qtbot.mouseClick(win.viewer, button or Qt.MouseButton.LeftButton, pos=pos)


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch):
    """Offscreen, a modal dialog blocks forever: message boxes answer at once (and are
    recorded), any other dialog's exec() fails the test instead of hanging it."""
    from PySide6.QtWidgets import QDialog, QMessageBox

    shown: list[tuple[str, str, str]] = []
    button = QMessageBox.StandardButton

    def answer(kind, reply):
        def box(parent, title, text, *args, **kwargs):
            shown.append((kind, title, text))
            return reply
        return box

    monkeypatch.setattr(QMessageBox, "question", answer("question", button.Discard))
    for kind in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, kind, answer(kind, button.Ok))

    def refuse(self, *args, **kwargs):
        raise AssertionError(f"modal dialog {type(self).__name__} opened during a test")

    monkeypatch.setattr(QDialog, "exec", refuse)
    return shown
