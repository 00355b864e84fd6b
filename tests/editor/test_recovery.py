"""Crash recovery: entries and unsaved masks live in the user's data folder, and a restore
whose mask folder is gone brings back objects, prompts and effects and names the frames to
track again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from editor.app import recovery
from editor.model import AddObject, AddPrompt, EffectRef, MaskPrompt, PointPrompt, Project
from editor.model.persistence import sidecar_path
from editor.model.store import MaskletStore


@pytest.fixture()
def folder(tmp_path, monkeypatch):
    """A recovery folder whose ``unsaved/`` receives new projects' stores, as the editor
    sets it up; the store default is put back afterwards."""
    monkeypatch.setattr(MaskletStore, "unsaved_folder", None)
    autosave = recovery.Autosave(tmp_path / "recovery")
    yield autosave.folder
    autosave.clean_exit()


def tracked_project() -> Project:
    """An unsaved project: one object with a click on frame 2 and a mask prompt on frame 5,
    masks on frames 0–7 and 10, an object effect and a background effect."""
    project = Project()
    add = AddObject(project, name="dog")
    project.execute(add)
    oid = add.object_id
    project.execute(AddPrompt(project, oid, 2, PointPrompt(10, 20, 1)))
    mask = np.zeros((8, 8), bool)
    mask[2:5, 2:5] = True
    project.execute(AddPrompt(project, oid, 5, MaskPrompt(project.masks.put_prompt_mask(mask))))
    for f in (*range(8), 10):
        project.masks.write_alpha(oid, f, np.full((8, 8), 200, np.uint8), 1.0)
    project.object(oid).effects.append(EffectRef("object-blur", {"radius_px": 9.0}, True))
    project.background_effects.append(EffectRef("background-color", {"colour": "#00ff00"},
                                                True))
    return project


def test_unsaved_masks_live_in_the_data_folder_not_the_temporary_folder(tmp_path,
                                                                        monkeypatch):
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(MaskletStore, "unsaved_folder", None)
    from editor.recovery_ui import recovery_dir

    autosave = recovery.Autosave(recovery_dir())  # the editor's default folder
    try:
        project = Project()
        root = project.masks.root.resolve()
        assert not root.is_relative_to(Path(tempfile.gettempdir()).resolve())
        assert root.is_relative_to((tmp_path / "data").resolve())
        assert root.parent == recovery.unsaved_dir(autosave.folder).resolve()
        project.masks.close()  # a clean close removes it, as before
        assert not root.exists()
    finally:
        autosave.clean_exit()
    assert MaskletStore.unsaved_folder is None


def test_restore_after_the_mask_folder_was_deleted(folder):
    project = tracked_project()
    entry = recovery.write_recovery(project, folder, "4242-abcd")
    store_root = project.masks.root.resolve()
    assert store_root.parent == recovery.unsaved_dir(folder).resolve()
    shutil.rmtree(store_root)  # what cleaning the temporary folder did

    restored = recovery.restore(entry)
    loaded = restored.project
    assert loaded.objects == project.objects  # names, prompts (with the mask prompt), effects
    assert loaded.background_effects == project.background_effects
    assert loaded.path is None
    oid = loaded.objects[0].object_id
    assert loaded.missing_masks == {oid: (*range(8), 10)}
    assert restored.lost_masks == store_root
    assert restored.lost_mask_prompts == (("dog", 5),)
    message = restored.message
    assert str(store_root) in message
    assert "'dog' (frames 0–7, 10)" in message and "'dog' on frame 5" in message
    # the restored project works: new masks go to a fresh store the entry now points to
    loaded.masks.write_alpha(oid, 3, np.full((8, 8), 255, np.uint8), 1.0)
    assert loaded.masks.read_alpha(oid, 3)[0, 0] == 255
    assert sidecar_path(entry).resolve().is_dir()


def test_restore_with_masks_intact_needs_nothing_redone(folder):
    project = tracked_project()
    entry = recovery.write_recovery(project, folder, "4242-abcd")
    restored = recovery.restore(entry)
    assert restored.lost_masks is None and restored.message is None
    oid = restored.project.objects[0].object_id
    assert restored.project.masks.frames_with_mask(oid).tolist() == [*range(8), 10]


def test_autosave_of_a_restored_project_links_the_real_store(folder):
    """No chain of links: the next crash's entry must not depend on the first entry."""
    project = tracked_project()
    first = recovery.write_recovery(project, folder, "1-a")
    recovery.write_recovery(project, folder, "1-a")  # a second autosave keeps the link
    store_root = project.masks.root.resolve()
    assert Path(os.readlink(sidecar_path(first))) == store_root
    restored = recovery.restore(first).project
    second = recovery.write_recovery(restored, folder, "2-b")
    assert Path(os.readlink(sidecar_path(second))) == store_root
    recovery.discard(first)
    assert store_root.is_dir() and not sidecar_path(first).is_symlink()
    assert recovery.restore(second).project.objects == project.objects


def dead_pid() -> int:
    """The pid of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_unsaved_stores_are_swept_referenced_and_live_ones_kept(folder):
    unsaved = recovery.unsaved_dir(folder)
    gone = dead_pid()
    referenced = unsaved / f"masklet-unsaved-{gone}-ref"
    orphan = unsaved / f"masklet-unsaved-{gone}-orphan"
    live = unsaved / f"masklet-unsaved-{os.getppid()}-live"
    mine = unsaved / f"masklet-unsaved-{os.getpid()}-mine"
    other = unsaved / "notes"
    for d in (referenced, orphan, live, mine, other):
        d.mkdir(parents=True)
    sidecar_path(folder / f"{gone}-x.masklet").symlink_to(referenced)
    (folder / f"{gone}-x.masklet").write_text("{}")
    assert recovery.sweep_unsaved(folder) == [orphan]
    assert all(d.is_dir() for d in (referenced, live, mine, other))


def test_entries_of_a_running_masklet_are_not_offered(folder):
    project = tracked_project()
    crashed = recovery.write_recovery(project, folder, f"{dead_pid()}-a")
    running = recovery.write_recovery(project, folder, "1-b")
    mine = recovery.write_recovery(project, folder, "me")
    for entry, pid in ((crashed, dead_pid()), (running, os.getppid())):
        entry.with_suffix(".json").write_text(f'{{"project_path": null, "pid": {pid}}}')
    assert recovery.pending_recoveries(folder, own_slot="me") == [crashed]
    assert mine.exists()


def test_offer_recovery_shows_what_to_track_again(folder, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    project = tracked_project()
    entry = recovery.write_recovery(project, folder, f"{dead_pid()}-a")
    shutil.rmtree(project.masks.root)
    opened, shown = [], []
    window = SimpleNamespace(
        autosave=recovery.Autosave(folder),
        session=SimpleNamespace(open_project_object=opened.append),
        show_error=lambda title, text: shown.append(("error", title, text)))
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda parent, title, text, *a: shown.append(("warning", title, text)))
    from editor.recovery_ui import offer_recovery

    assert offer_recovery(window)
    assert window.autosave.restored_entry == entry
    assert [p.objects[0].name for p in opened] == ["dog"]
    assert len(shown) == 1 and shown[0][0] == "warning"
    assert "'dog' (frames 0–7, 10)" in shown[0][2]


def test_window_restores_a_crashed_unsaved_project_whose_masks_were_cleaned(
        qtbot, make_window, synthetic_clip, tmp_path, monkeypatch, no_modal_dialogs):
    """End to end: a window tracks an unsaved clip (its masks under the recovery folder),
    autosaves, "crashes"; the masks folder is deleted; the next window restores the object
    and says which frames to track again."""
    from PySide6.QtWidgets import QMessageBox

    from editor.recovery_ui import offer_recovery
    from tests.editor.conftest import click_frame, open_clip

    clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    store_root = win.session.project.masks.root
    assert store_root.parent == recovery.unsaved_dir(tmp_path / "recovery")
    cx, cy, _r = clip.circle(0)
    click_frame(qtbot, win, cx, cy)
    qtbot.waitUntil(lambda: win.session.project.masks.read_alpha(1, 0) is not None,
                    timeout=10000)
    assert win.autosave.save_now() is not None
    shutil.rmtree(store_root)  # the crash left it; then it was cleaned away

    second = make_window()
    with monkeypatch.context() as patch, \
            qtbot.waitSignal(second.session.opened, timeout=10000):
        patch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
        assert offer_recovery(second)
    qtbot.waitUntil(second.viewer.has_frame, timeout=10000)
    restored = second.session.project
    assert [o.name for o in restored.objects] == [win.session.project.objects[0].name]
    assert restored.objects[0].prompts == win.session.project.objects[0].prompts
    assert restored.missing_masks == {1: (0,)}
    warnings = [text for kind, _title, text in no_modal_dialogs if kind == "warning"]
    assert len(warnings) == 1 and "(frames 0)" in warnings[0] and str(store_root) in warnings[0]


def test_a_restored_unsaved_project_saves_with_its_masks(folder, tmp_path):
    from editor.model import load_project, save_project

    project = tracked_project()
    entry = recovery.write_recovery(project, folder, "1-a")
    restored = recovery.restore(entry).project
    save_project(restored, tmp_path / "saved.masklet")
    recovery.discard(entry)
    reopened = load_project(tmp_path / "saved.masklet")
    oid = reopened.objects[0].object_id
    assert reopened.masks.frames_with_mask(oid).tolist() == [*range(8), 10]
    assert reopened.missing_masks == {}
    mask_prompt = reopened.objects[0].prompts[5][0]
    assert reopened.prompt_mask(mask_prompt)[3, 3] == 1.0


def test_discarding_a_restored_project_is_not_offered_again(
        qtbot, make_window, synthetic_clip, tmp_path, monkeypatch, no_modal_dialogs):
    """Restore after a crash, then close with Discard: the next start offers nothing."""
    from PySide6.QtWidgets import QMessageBox

    from editor.recovery_ui import offer_recovery
    from tests.editor.conftest import click_frame, open_clip

    clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    cx, cy, _r = clip.circle(0)
    click_frame(qtbot, win, cx, cy)
    qtbot.waitUntil(lambda: win.session.project.masks.read_alpha(1, 0) is not None,
                    timeout=10000)
    assert win.autosave.save_now() is not None  # then the session "crashes"

    second = make_window()
    with monkeypatch.context() as patch, \
            qtbot.waitSignal(second.session.opened, timeout=10000):
        patch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
        assert offer_recovery(second)
    assert recovery.pending_recoveries(second.autosave.folder, "nobody")
    with monkeypatch.context() as patch:
        patch.setattr(QMessageBox, "question",
                      lambda *a, **k: QMessageBox.StandardButton.Discard)
        assert second.files.maybe_save()
    assert recovery.pending_recoveries(second.autosave.folder, "nobody") == []
