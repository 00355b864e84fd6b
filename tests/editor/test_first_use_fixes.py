"""Issue 17 (a first real use), items 6, 8–12, in the real main window (offscreen)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QUrl
from PySide6.QtTest import QTest

from tests.editor.conftest import click_frame, open_clip


def _mask(win, object_id, frame_index):
    alpha = win.session.project.masks.read_alpha(object_id, frame_index)
    return None if alpha is None else alpha >= 128


def _clicked(qtbot, make_window, synthetic_clip, factory=None):
    """A window on the synthetic clip whose disc was clicked on frame 0 (mask shown)."""
    clip, path = synthetic_clip
    win = make_window() if factory is None else make_window(factory)
    open_clip(qtbot, win, path)
    cx, cy, _r = clip.circle(0)
    click_frame(qtbot, win, cx, cy)
    qtbot.waitUntil(lambda: _mask(win, 1, 0) is not None, timeout=10000)
    qtbot.waitUntil(lambda: 1 in win.viewer.bundle.masks, timeout=5000)
    return clip, win


# -- item 6 ---------------------------------------------------------------------------------
def test_clear_frame_removes_the_mask_from_the_viewer_at_once(qtbot, make_window,
                                                              synthetic_clip):
    clip, win = _clicked(qtbot, make_window, synthetic_clip)
    cx, cy, _r = clip.circle(0)
    before = win.viewer.grab().toImage()
    QTest.keyClick(win, Qt.Key.Key_Backspace, Qt.KeyboardModifier.ControlModifier)
    assert win.session.project.objects[0].prompts == {}
    assert _mask(win, 1, 0) is None  # the mask those prompts made is gone from the store
    qtbot.waitUntil(lambda: 1 not in win.viewer.bundle.masks, timeout=2000)
    assert win.viewer._overlays == [] and win.viewer.points == []
    pos = win.viewer.to_widget(cx, cy).toPoint()
    after = win.viewer.grab().toImage()
    assert before.pixelColor(pos) != after.pixelColor(pos)  # repainted without the overlay
    win.edits.on_undo()  # the prompts come back and the engine makes the mask again
    qtbot.waitUntil(lambda: _mask(win, 1, 0) is not None, timeout=10000)
    qtbot.waitUntil(lambda: 1 in win.viewer.bundle.masks, timeout=2000)


# -- item 10 --------------------------------------------------------------------------------
def test_low_res_logits_only_on_prompted_frames_and_the_project_reopens(
        qtbot, make_window, synthetic_clip, tmp_path):
    from editor.model import lowres

    clip, win = _clicked(qtbot, make_window, synthetic_clip)
    store = win.session.project.masks
    with qtbot.waitSignal(win.session.engine.finished, timeout=30000):
        win.track_flow.on_track()
    assert store.frames_with_mask(1).size == clip.num_frames
    assert lowres.stored(store.root) == {1: {0}}  # not one file per tracked frame
    prompt_logits = store.read_low_res_logits(1, 0)
    assert prompt_logits is not None and prompt_logits.shape == (256, 256)
    path = tmp_path / "p.masklet"
    assert win.files.save_to(path)
    pixels = {f: store.read_alpha(1, f).copy() for f in range(clip.num_frames)}
    win.close_project()
    open_clip(qtbot, win, path)
    reopened = win.session.project.masks
    assert all(np.array_equal(reopened.read_alpha(1, f), a) for f, a in pixels.items())
    assert np.array_equal(reopened.read_low_res_logits(1, 0), prompt_logits)
    assert not list(reopened.root.rglob("*.npy"))


# -- item 11 --------------------------------------------------------------------------------
def _drag(qtbot, win, points):
    """Press at the first frame pixel, one move event per later point, release at the last."""
    to = [win.viewer.to_widget(x, y).toPoint() for x, y in points]
    QTest.mousePress(win.viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     to[0])
    for p in to[1:]:
        QTest.mouseMove(win.viewer, p)
    QTest.mouseRelease(win.viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       to[-1])


def _painted(win, frame_index=0) -> np.ndarray:
    """The mask prompt the last stroke made (H×W bool)."""
    project = win.session.project
    action = project.object(win.view.current_object).prompts[frame_index][-1]
    return project.prompt_mask(action) >= 0.5


def test_brush_joins_sparse_mouse_moves_into_one_stroke(qtbot, make_window, synthetic_clip):
    _clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    win.actions_["tool_brush"].setChecked(True)
    win.viewer.brush_radius_px = 3
    _drag(qtbot, win, [(20, 80), (140, 80)])  # two positions 120 px apart
    qtbot.waitUntil(lambda: bool(win.session.project.objects and
                                 win.session.project.objects[0].prompts), timeout=5000)
    painted = _painted(win)
    assert painted[80, 20:141].all()  # the whole segment, not two dots
    assert not painted[70].any() and not painted[90].any()  # 3 px brush: a thin band


def test_eraser_cuts_a_continuous_gap(qtbot, make_window, synthetic_clip):
    clip, win = _clicked(qtbot, make_window, synthetic_clip)
    win.request_frame()
    qtbot.waitUntil(lambda: win.viewer.paint_base is not None, timeout=5000)
    cx, cy, r = clip.circle(0)
    win.actions_["tool_eraser"].setChecked(True)
    win.viewer.brush_radius_px = 2
    _drag(qtbot, win, [(max(0.5, cx - r - 3), cy), (cx + r + 3, cy)])  # two positions
    qtbot.waitUntil(lambda: len(win.session.project.objects[0].prompts[0]) == 2, timeout=5000)
    painted = _painted(win)
    row = int(cy)
    assert not painted[row, int(cx - r):int(cx + r) + 1].any()  # cut right through
    assert painted[row - 5, int(cx)] and painted[row + 5, int(cx)]


# -- item 8 ---------------------------------------------------------------------------------
def test_engine_question_is_asked_once_and_remembered(qtbot, make_window, synthetic_clip,
                                                      monkeypatch, tmp_path):
    from PySide6.QtCore import QSettings

    from editor.dialogs.no_weights import NoWeightsDialog
    from editor.main_window import MainWindow

    monkeypatch.setenv("MASKLET_MODELS_DIR", str(tmp_path / "models"))
    asked = []

    def exec_(dialog):
        asked.append(dialog.windowTitle())
        dialog.choice = "offline"
        return 1

    monkeypatch.setattr(NoWeightsDialog, "exec", exec_)
    clip, path = synthetic_clip
    win = make_window(None)  # the real engine choice, as a user gets it
    open_clip(qtbot, win, path)
    cx, cy, _r = clip.circle(0)
    click_frame(qtbot, win, cx, cy)
    assert len(asked) == 1 and win.session.project.engine.engine == "offline"
    qtbot.waitUntil(lambda: _mask(win, 1, 0) is not None, timeout=10000)

    second = tmp_path / "second.mp4"
    second.write_bytes(path.read_bytes())
    open_clip(qtbot, win, second)  # a new clip: the answer holds
    assert win.session.project.engine.engine == "offline"
    assert not win.session.project.dirty
    click_frame(qtbot, win, cx, cy)
    qtbot.waitUntil(lambda: _mask(win, 1, 0) is not None, timeout=10000)
    assert len(asked) == 1

    # the next start of Masklet (same preferences) does not ask either
    again = MainWindow(settings=QSettings(win.settings.fileName(), QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    again.autosave.folder = tmp_path / "recovery2"
    again.show()
    open_clip(qtbot, again, path)
    assert again.session.project.engine.engine == "offline"
    click_frame(qtbot, again, cx, cy)
    qtbot.waitUntil(lambda: _mask(again, 1, 0) is not None, timeout=10000)
    assert len(asked) == 1
    again.session.project.undo_stack.set_clean()
    again.close()


def test_engine_question_defaults_to_the_choice_without_a_download(qtbot, make_window):
    from editor.dialogs.no_weights import NoWeightsDialog

    win = make_window()
    dialog = NoWeightsDialog(win)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.offline_button.isDefault() and not dialog.download_button.isDefault()
    assert not dialog.download_button.autoDefault()
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    assert dialog.choice == "offline" and dialog.result() == 1


def test_model_settings_change_the_engine_of_new_clips(qtbot, make_window, synthetic_clip):
    from editor.dialogs.model_settings import ModelSettingsDialog
    from editor.engine_choice import EnginePreference

    _clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    preference = EnginePreference(win.settings)
    dialog = ModelSettingsDialog(win.session, win, preference)
    qtbot.addWidget(dialog)
    sam2_only = (dialog.model_box, dialog.download_button, dialog.device_box, dialog.dtype_box)
    dialog.engine_box.setCurrentIndex(dialog.engine_box.findData("sam2"))
    assert all(w.isEnabled() for w in sam2_only)
    dialog.engine_box.setCurrentIndex(dialog.engine_box.findData("offline"))
    assert not any(w.isEnabled() for w in sam2_only)  # item 12: Offline uses none of them
    dialog._apply()
    assert preference.get() == "offline" and win.session.project.engine.engine == "offline"
    win.close_project()
    open_clip(qtbot, win, path)
    assert win.session.project.engine.engine == "offline"


# -- item 12 --------------------------------------------------------------------------------
def test_find_objects_without_weights_does_not_advise_the_offline_engine(
        qtbot, make_window, synthetic_clip, monkeypatch, tmp_path):
    import dataclasses

    from editor.model import commands as cmd

    monkeypatch.setenv("MASKLET_MODELS_DIR", str(tmp_path / "no-models"))
    _clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    project = win.session.project
    win.session.execute(cmd.SetEngineSettings(
        project, dataclasses.replace(project.engine, engine="offline")))
    win.on_find_objects()
    qtbot.waitUntil(lambda: "Find objects" in win.statusBar().currentMessage() and
                    "checkpoint" in win.statusBar().currentMessage(), timeout=30000)
    message = win.statusBar().currentMessage()
    assert "use the offline engine" not in message
    assert message.startswith("Find objects failed: no model checkpoint is installed")
    assert "Model settings" in message and "click the objects" in message


def test_reopening_a_project_names_it_and_its_objects(qtbot, make_window, tmp_path):
    from fractions import Fraction

    from editor.model import commands as cmd
    from rendering.synthetic import SyntheticClip

    clip = SyntheticClip(width=160, height=96, num_frames=12, fps=Fraction(30000, 1001))
    path = clip.write(tmp_path / "ntsc.mp4")
    win = make_window()
    open_clip(qtbot, win, path)
    message = win.statusBar().currentMessage()
    assert message == "Opened ntsc.mp4: 12 frames at 29.97 fps — click an object to start"
    cx, cy, _r = clip.circle(0)
    click_frame(qtbot, win, cx, cy)
    qtbot.waitUntil(lambda: _mask(win, 1, 0) is not None, timeout=10000)
    win.session.execute(cmd.SetObjectField(win.session.project, 1, "name", "Mug"))
    assert win.files.save_to(tmp_path / "coffee.masklet")
    win.close_project()
    open_clip(qtbot, win, tmp_path / "coffee.masklet")
    message = win.statusBar().currentMessage()
    assert message == "Opened project coffee.masklet: 1 object (Mug), 12 frames at 29.97 fps"


def test_outline_starts_in_the_objects_colour_and_shows_on_a_bright_scene(
        qtbot, make_window, synthetic_clip):
    from rendering.effects import effect_class

    clip, win = _clicked(qtbot, make_window, synthetic_clip)
    obj = win.session.project.objects[0]
    win.effects_panel.set_owner(obj.object_id)
    win.effects_panel.add_effect("object-outline")
    (ref,) = obj.effects
    assert ref.params["colour"] == obj.colour
    qtbot.waitUntil(lambda: "colour" in win.effects_panel.param_widgets, timeout=2000)
    assert obj.colour in win.effects_panel.param_widgets["colour"].styleSheet()
    # on a white frame the band around the object stands out (a white one would not)
    from rendering.effects.base import EffectContext

    effect = effect_class(ref.name)(**ref.params)
    white = np.full((96, 160, 3), 255, np.uint8)
    mask = clip.mask(0, 1).astype(np.float32)
    out = effect.apply(white, mask, EffectContext(object_id=obj.object_id))
    assert (np.abs(out.astype(int) - 255).sum(axis=2) > 100).sum() > 50


# -- item 9 ---------------------------------------------------------------------------------
def test_user_guide_opens_inside_the_app_with_screenshots_and_links(qtbot, make_window,
                                                                    monkeypatch):
    from PySide6.QtGui import QDesktopServices, QTextDocument

    outside = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: outside.append(url) or False)
    win = make_window()
    win.actions_["user_guide"].trigger()  # a desktop without a Markdown viewer
    dialog = win.help.user_guide
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    assert outside == []
    browser = dialog.browser
    text = browser.toPlainText()
    assert text.startswith("Masklet user guide") and "Keyboard shortcuts" in text
    assert "](" not in text and "**" not in text  # rendered, not shown as source
    doc = browser.document()
    for name in ("welcome.png", "tracking.png", "effects.png", "export.png"):
        image = doc.resource(QTextDocument.ResourceType.ImageResource, QUrl(name))
        if image is None:  # not laid out yet: ask the browser as layout would
            image = browser.loadResource(QTextDocument.ResourceType.ImageResource.value,
                                         QUrl(name))
        assert image is not None and not (hasattr(image, "isNull") and image.isNull()), name
    # screenshots fit the window: nothing to scroll sideways, also after a resize
    qtbot.waitUntil(lambda: browser.horizontalScrollBar().maximum() == 0, timeout=2000)
    dialog.resize(600, 700)
    qtbot.waitUntil(lambda: browser.horizontalScrollBar().maximum() == 0, timeout=2000)
    # the contents line's links scroll to their heading
    bar = browser.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=2000)
    _click_link(qtbot, browser, "Troubleshooting")
    qtbot.waitUntil(lambda: bar.value() > bar.maximum() // 2, timeout=2000)
    bar.setValue(0)
    _click_link(qtbot, browser, "Open a clip")
    qtbot.waitUntil(lambda: 0 < bar.value() < bar.maximum() // 2, timeout=2000)
    assert outside == []


def _click_link(qtbot, browser, text):
    """Click the first occurrence of ``text`` (a link of the contents line)."""
    cursor = browser.document().find(text)
    assert cursor.charFormat().isAnchor(), text
    cursor.setPosition(cursor.selectionStart() + 2)
    pos = browser.cursorRect(cursor).center()
    qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, pos=pos)
