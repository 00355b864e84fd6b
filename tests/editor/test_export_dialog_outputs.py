"""The export dialog never writes over an input, and asks before replacing what Masklet did
not write (issue 16, items 1 and 2, editor side)."""

from __future__ import annotations

import hashlib

import pytest

from tests.editor.conftest import open_clip


def digest(path):
    return hashlib.sha1(path.read_bytes()).hexdigest()


@pytest.fixture()
def dialog(qtbot, make_window, synthetic_clip):
    from editor.dialogs.export import ExportDialog

    _clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    dlg = ExportDialog(win.session, win)
    dlg.range_box.setCurrentIndex(1)
    yield dlg, path
    dlg.close()


def test_export_onto_the_source_is_refused(dialog):
    dlg, source = dialog
    before = digest(source)
    dlg.path_edit.setText(str(source))
    dlg.start()
    assert dlg.worker is None and "input" in dlg.info.text()
    assert digest(source) == before


def test_replacing_a_file_masklet_did_not_write_needs_a_yes(dialog, qtbot, monkeypatch,
                                                           tmp_path):
    import editor.dialogs.export as export_dialog
    from rendering.media import probe

    dlg, source = dialog
    theirs = tmp_path / "theirs.mp4"
    theirs.write_bytes(source.read_bytes()[: 4096])  # someone else's (truncated) file
    before = digest(theirs)
    answers = []
    monkeypatch.setattr(export_dialog, "ask_overwrite",
                        lambda parent, path, foreign: answers.append((path, foreign)) or False)
    dlg.path_edit.setText(str(theirs))
    dlg.start()
    assert answers == [(theirs, ())] and dlg.worker is None and digest(theirs) == before
    monkeypatch.setattr(export_dialog, "ask_overwrite", lambda parent, path, foreign: True)
    dlg.start()
    qtbot.waitUntil(lambda: dlg.result is not None, timeout=60000)
    assert dlg.result[0] == "done", dlg.result
    assert probe(theirs).frame_count == len(dlg.session.source)


def test_png_export_into_a_users_folder_keeps_their_files(dialog, qtbot, monkeypatch,
                                                         tmp_path):
    import editor.dialogs.export as export_dialog

    dlg, _source = dialog
    folder = tmp_path / "mine"
    (folder / "sub").mkdir(parents=True)
    (folder / "notes.txt").write_text("keep me")
    (folder / "sub" / "00000.png").write_bytes(b"not a frame of ours")
    asked = []
    monkeypatch.setattr(export_dialog, "ask_overwrite",
                        lambda parent, path, foreign: asked.append(foreign) or True)
    dlg.preset_box.setCurrentIndex(dlg.preset_box.findData("png-rgba"))
    dlg.path_edit.setText(str(folder))
    dlg.start()
    qtbot.waitUntil(lambda: dlg.result is not None, timeout=60000)
    assert dlg.result[0] == "done", dlg.result
    assert asked == [("notes.txt", "sub")]  # what the question lists as kept
    assert (folder / "notes.txt").read_text() == "keep me"
    assert (folder / "sub" / "00000.png").read_bytes() == b"not a frame of ours"
    assert len(list(folder.glob("0*.png"))) == len(dlg.session.source)
