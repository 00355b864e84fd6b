"""Fast / Balanced / Accurate: what each means per machine kind, how it reads in the model
settings and the first-run question, and that the choice is kept per project and for new
clips."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from editor.app import model_choice as mc
from tests.editor.conftest import open_clip


def test_each_choice_names_a_registered_checkpoint_and_its_cost():
    from segmentation.weights import get_checkpoint

    assert [t.label for t in mc.TIERS] == ["Fast", "Balanced", "Accurate"]
    assert mc.recommended("cpu").checkpoint("cpu") == "efficienttam_s_512x512"
    assert mc.recommended("cuda").key == "accurate"
    assert mc.get_tier("accurate").checkpoint("cuda") == "sam2.1_hiera_large"
    assert mc.get_tier("accurate").checkpoint("cpu") == "sam2.1_hiera_base_plus"
    for tier in mc.TIERS:
        for kind in mc.KINDS:
            name = tier.checkpoint(kind)
            assert get_checkpoint(name).name == name
            assert mc.tier_of(name, kind) is tier
            size = round(get_checkpoint(name).approx_size_bytes / 1e6)
            assert f"· {size} MB download ·" in mc.describe(tier, kind)
            assert "· installed ·" in mc.describe(tier, kind, installed=True)
    assert all(get_checkpoint(name).name == name for name, _kind in mc.SPEEDS)
    assert mc.tier_of("sam2.1_hiera_tiny", "cpu") is None
    with pytest.raises(ValueError, match="machine kind"):
        mc.get_tier("fast").checkpoint("tpu")


def test_speed_lines_come_from_the_one_table(monkeypatch):
    monkeypatch.setitem(mc.SPEEDS, ("sam2.1_hiera_small", "cpu"), mc.Speed(4.04, 1.96, "x"))
    assert mc.speed_line("sam2.1_hiera_small", "cpu") == \
        "about 2.0-4.0 s per frame and object on a 2-core CPU"
    monkeypatch.setitem(mc.SPEEDS, ("sam2.1_hiera_small", "cpu"), mc.Speed(0.6, None, "x"))
    assert mc.speed_line("sam2.1_hiera_small", "cpu") == \
        "about 0.6 s per frame and object on a 2-core CPU"
    assert mc.speed_line("sam2.1_hiera_large", "cuda") == \
        "speed on a CUDA GPU: not measured yet"
    assert mc.machine_kind(["cpu", "cuda"]) == "cuda"
    assert mc.machine_kind(["cpu", "mps"]) == "cpu"


def test_first_run_question_offers_the_three_choices_and_enter_downloads_nothing(
        qtbot, make_window, monkeypatch):
    import editor.dialogs.download as download
    from editor.dialogs.no_weights import NoWeightsDialog

    started = []
    monkeypatch.setattr(download, "DownloadDialog",
                        lambda name, parent=None: started.append(name))
    win = make_window()
    dialog = NoWeightsDialog(win, kind="cpu")
    qtbot.addWidget(dialog)
    dialog.show()
    boxes = dialog.models
    assert boxes.buttons["fast"].isChecked()
    assert "Fast (recommended here)" in boxes.buttons["fast"].text()
    assert boxes.details["balanced"].text().startswith("SAM 2.1 small · 185 MB download · ")
    assert boxes.details["accurate"].text().startswith("SAM 2.1 base+ · 324 MB download · ")
    assert dialog.download_button.text() == "Download Fast (136 MB)…"
    boxes.buttons["accurate"].click()
    assert dialog.model_name == "sam2.1_hiera_base_plus"
    assert dialog.download_button.text() == "Download Accurate (324 MB)…"
    assert dialog.offline_button.isDefault() and not dialog.download_button.autoDefault()
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    assert dialog.choice == "offline" and started == []

    gpu = NoWeightsDialog(win, kind="cuda")
    qtbot.addWidget(gpu)
    assert gpu.models.buttons["accurate"].isChecked()
    assert gpu.model_name == "sam2.1_hiera_large"
    assert "recommended here" in gpu.models.buttons["accurate"].text()


def test_model_settings_choice_is_kept_per_project_and_for_new_clips(
        qtbot, make_window, synthetic_clip, monkeypatch, tmp_path):
    from editor.dialogs.model_settings import ModelSettingsDialog
    from editor.engine_choice import EnginePreference
    from editor.model.persistence import load_project

    monkeypatch.setenv("MASKLET_MODELS_DIR", str(tmp_path / "models"))
    _clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    preference = EnginePreference(win.settings)
    dialog = ModelSettingsDialog(win.session, win, preference)
    qtbot.addWidget(dialog)
    dialog.device_box.setCurrentText("cpu")
    choice = dialog.choice_box
    assert dialog.model_box.currentData() == "sam2.1_hiera_tiny"  # a new project's default
    assert choice.tier() is None  # tiny is none of the three here
    choice.buttons["fast"].click()
    assert dialog.model_box.currentData() == "efficienttam_s_512x512"
    dialog.model_box.setCurrentIndex(dialog.model_box.findData("sam2.1_hiera_small"))
    assert choice.buttons["balanced"].isChecked()
    choice.buttons["accurate"].click()
    assert dialog.model_box.currentData() == "sam2.1_hiera_base_plus"
    assert dialog.chosen().model_name == "sam2.1_hiera_base_plus"
    dialog._apply()

    project = win.session.project
    assert project.engine.model_name == "sam2.1_hiera_base_plus"
    assert preference.model() == "sam2.1_hiera_base_plus"
    saved = tmp_path / "p.masklet"
    win.session.save(saved)
    assert load_project(saved).engine.model_name == "sam2.1_hiera_base_plus"
    project.undo_stack.undo()  # the setting is one undo step
    assert project.engine.model_name == "sam2.1_hiera_tiny"

    second = tmp_path / "second.mp4"
    second.write_bytes(path.read_bytes())
    open_clip(qtbot, win, second)
    assert win.session.project.engine.model_name == "sam2.1_hiera_base_plus"
