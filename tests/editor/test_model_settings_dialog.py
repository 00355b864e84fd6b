"""Track ▸ Model settings: the precision list says what "auto" means on the chosen device."""

from __future__ import annotations

from segmentation.sam2 import precision


def test_auto_precision_is_labelled_and_chosen_by_value(qtbot, make_window, synthetic_clip,
                                                        monkeypatch):
    from editor.dialogs.model_settings import ModelSettingsDialog
    from tests.editor.conftest import open_clip

    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)
    _clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    dialog = ModelSettingsDialog(win.session, win)
    dialog.device_box.setCurrentText("cpu")
    assert dialog.dtype_box.currentText() == "auto (bfloat16 here)"
    assert dialog.chosen().dtype == "auto"
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: False)
    dialog.device_box.setCurrentText("auto")
    dialog.device_box.setCurrentText("cpu")
    assert dialog.dtype_box.currentText() == "auto (float32 here)"
    dialog.dtype_box.setCurrentIndex(dialog.dtype_box.findData("bfloat16"))
    assert dialog.chosen().dtype == "bfloat16"
    dialog.close()
