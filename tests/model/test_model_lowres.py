"""Low-res logits (issue 17 item 10): kept compressed on prompted frames only; a save
removes the ones of frames no longer prompted, also the uncompressed files of old projects."""

from __future__ import annotations

import numpy as np

from editor.model import AddObject, AddPrompt, MediaSnapshot, PointPrompt, Project, lowres
from editor.model.persistence import load_project, save_project, sidecar_path


def _project(tmp_path) -> Project:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"stand-in")
    project = Project(source_path=video, media=MediaSnapshot(10, "25", 8, 6, 0.4))
    add = AddObject(project)
    project.execute(add)
    project.execute(AddPrompt(project, add.object_id, 2, PointPrompt(1.0, 1.0, 1)))
    return project


def test_low_res_logits_are_compressed_and_exact(tmp_path):
    project = _project(tmp_path)
    store = project.masks
    logits = np.where(np.random.default_rng(0).random((256, 256)) > 0.7, 4.5, -9.25
                      ).astype(np.float32)
    store.write_alpha(1, 2, np.zeros((6, 8), np.uint8), 1.0, low_res_logits=logits)
    new, legacy = lowres.paths(store.root, 1, 2)
    assert new.suffix == ".npz" and not legacy.exists()
    assert new.stat().st_size < logits.nbytes / 4
    got = store.read_low_res_logits(1, 2)
    assert got.dtype == np.float32 and np.array_equal(got, logits)


def test_save_prunes_unprompted_and_legacy_low_res(tmp_path):
    project = _project(tmp_path)
    store = project.masks
    low = np.ones((4, 4), np.float32)
    for f in range(6):
        store.write_alpha(1, f, np.full((6, 8), 200, np.uint8), 1.0, low_res_logits=low * f)
    # an older version's uncompressed file on an unprompted frame
    legacy = lowres.paths(store.root, 1, 7)[1]
    np.save(legacy, low)
    path = save_project(project, tmp_path / "p.masklet")
    assert lowres.stored(project.masks.root) == {1: {2}}
    reopened = load_project(path)
    assert np.array_equal(reopened.masks.read_low_res_logits(1, 2), low * 2)
    assert reopened.masks.read_low_res_logits(1, 3) is None
    assert reopened.masks.frames_with_mask(1).tolist() == list(range(6))  # masks all kept
    assert not list(sidecar_path(path).rglob("*.npy"))


def test_legacy_npy_is_still_read(tmp_path):
    project = _project(tmp_path)
    legacy = lowres.paths(project.masks.root, 1, 2)[1]
    legacy.parent.mkdir(parents=True)
    np.save(legacy, np.full((3, 3), 1.5, np.float32))
    assert project.masks.read_low_res_logits(1, 2)[0, 0] == 1.5
