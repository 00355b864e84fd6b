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
    from editor.engines import make_engine

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


def micro_sam2():
    """A random-weight SAM 2.1 at micro size (256 px input, narrow widths): the real model
    code path, fast on a CPU, no download. Derived from our built-in tiny config."""
    import copy

    from segmentation.sam2 import CONFIGS, build_sam2

    base = CONFIGS["sam2.1_hiera_t"]
    hp = copy.deepcopy(base.hyperparameters)
    hp["image_size"] = 256
    trunk, neck = hp["image_encoder"]["trunk"], hp["image_encoder"]["neck"]
    trunk.update(embed_dim=16, num_heads=1)
    neck.update(d_model=32, backbone_channel_list=[128, 64, 32, 16])
    neck["position_encoding"]["num_pos_feats"] = 32
    attn = hp["memory_attention"]
    attn["d_model"] = attn["layer"]["d_model"] = 32
    attn["layer"]["dim_feedforward"] = 64
    for key in ("self_attention", "cross_attention"):
        attn["layer"][key].update(embedding_dim=32, feat_sizes=[16, 16])
    attn["layer"]["cross_attention"]["kv_in_dim"] = 8
    enc = hp["memory_encoder"]
    enc.update(out_dim=8, in_dim=32)
    enc["position_encoding"]["num_pos_feats"] = 8
    enc["mask_downsampler"]["embed_dim"] = 32
    enc["fuser"]["layer"]["dim"] = 32
    config = {"name": "micro-random", "hyperparameters": hp,
              "decoder_options": copy.deepcopy(base.decoder_options)}
    import torch

    torch.manual_seed(0)
    return build_sam2(config)
