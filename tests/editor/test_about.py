"""Help ▸ About shows the pyproject version and the real licences; Help ▸ User guide opens
docs/user-guide.md; ``masklet --version`` prints the same version."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def pyproject_version() -> str:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


def test_version_comes_from_pyproject():
    from editor.version import version

    assert version() == pyproject_version()


def test_version_flag(capsys):
    import main

    with pytest.raises(SystemExit) as exit_info:
        main.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"masklet {pyproject_version()}"


def test_about_dialog_shows_version_and_licences(qtbot):
    from editor.dialogs.about import AboutDialog, gpl_encoders_present

    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    assert f"Masklet {pyproject_version()}" in dialog.header.text()
    text = dialog.details.toPlainText()
    for expected in ("Qt", "LGPL-3.0-only", "PyTorch", "BSD-3-Clause", "SAM 2",
                     "Apache-2.0", "PyAV", "FFmpeg"):
        assert expected in text, expected
    if gpl_encoders_present():  # the PyAV wheels: x264/x265 inside → the bundle is GPL
        assert "GPL-2.0-or-later" in text and "libx264" in text
    else:
        assert "LGPL-2.1-or-later" in text


def test_licence_lines_pair_each_component_with_its_licence():
    from editor.dialogs.about import licence_lines

    lines = licence_lines()
    expect = {"Qt ": "LGPL-3.0-only", "PyTorch ": "BSD-3-Clause",
              "SAM 2 / SAM 2.1 (Meta)": "Apache-2.0", "EfficientTAM (yformer)": "Apache-2.0",
              "PyAV ": "BSD-3-Clause"}
    for name, licence in expect.items():
        line = next(line for line in lines if line.startswith(name))
        assert f"— {licence}" in line, line


def test_help_menu_opens_about_and_user_guide(make_window, monkeypatch):
    from editor.dialogs import about
    from editor.dialogs.user_guide import UserGuideDialog

    win = make_window()
    shown = []
    monkeypatch.setattr(about.AboutDialog, "exec", lambda self: shown.append(self) or 0)
    monkeypatch.setattr(UserGuideDialog, "show", lambda self: shown.append(self))
    for key in ("about", "user_guide"):
        assert win.actions_[key].isEnabled(), key  # also without a project
        win.actions_[key].trigger()
    assert [type(d) for d in shown] == [about.AboutDialog, UserGuideDialog]
    assert shown[1].path == ROOT / "docs" / "user-guide.md"  # shown inside the app


def test_model_licences_come_from_the_weights_registry(monkeypatch):
    """About lists each model family with the ``licence`` its registry entries give."""
    import dataclasses

    from editor.dialogs.about import licence_lines
    from segmentation.weights import registry

    changed = tuple(dataclasses.replace(c, licence="LicenseRef-test")
                    if c.family == "EfficientTAM" else c for c in registry.CHECKPOINTS)
    monkeypatch.setattr(registry, "CHECKPOINTS", changed)
    import segmentation.weights as weights

    monkeypatch.setattr(weights, "CHECKPOINTS", changed)
    line = next(x for x in licence_lines() if x.startswith("EfficientTAM (yformer)"))
    assert "— LicenseRef-test." in line and "checkpoints it downloads are LicenseRef-test" in line
    sam2 = next(x for x in licence_lines() if x.startswith("SAM 2 / SAM 2.1 (Meta)"))
    assert "— Apache-2.0." in sam2
