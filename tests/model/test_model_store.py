"""Masklet store: alpha quantisation, incremental writes, scores, low-res logits, threads."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from editor.model import MaskletStore, logits_to_alpha
from segmentation.types import ABSENT_LOGIT


def reference_alpha(logits: np.ndarray) -> np.ndarray:
    x = logits.astype(np.float64)
    with np.errstate(over="ignore"):
        return np.array([round(255 / (1 + np.exp(-v))) for v in x.ravel()],
                        np.uint8).reshape(x.shape)


def test_alpha_is_rounded_sigmoid(tmp_path):
    rng = np.random.default_rng(0)
    logits = (rng.normal(0, 4, (30, 40))).astype(np.float32)
    logits[0, :5] = [ABSENT_LOGIT, -20, 0, 20, 1024]
    store = MaskletStore(tmp_path / "s")
    store.write(1, 0, logits, 3.0)
    expected = reference_alpha(logits)
    assert np.array_equal(store.read_alpha(1, 0), expected)
    assert list(expected[0, :5]) == [0, 0, 128, 255, 255]
    assert np.array_equal(logits_to_alpha(np.full((2, 2), ABSENT_LOGIT)), np.zeros((2, 2)))
    mask = store.read(1, 0)
    assert mask.dtype == np.float32 and mask.shape == (30, 40)
    assert np.allclose(mask, expected / 255.0, atol=1e-7)
    # the bytes on disk agree with the cache (reopen reads the PNG)
    store.close()
    assert np.array_equal(MaskletStore(tmp_path / "s").read_alpha(1, 0), expected)


def test_missing_frames_read_none(tmp_path):
    store = MaskletStore(tmp_path)
    assert store.read(1, 0) is None and store.read_alpha(7, 7) is None
    store.write(1, 5, None, -3.0)  # absent object, no mask output
    assert store.read(1, 5) is None
    assert store.frames_with_mask(1).tolist() == []
    frames, scores = store.scores(1)
    assert frames.tolist() == [5] and scores.tolist() == [-3.0]


def test_many_frames_keep_memory_bounded(tmp_path):
    store = MaskletStore(tmp_path, cache_frames=8)
    frame = np.zeros((24, 32), np.float32)
    for i in range(300):
        frame[:] = ABSENT_LOGIT
        frame[:, i % 32] = 10.0
        store.write(2, i, frame, float(i) / 10)
        assert len(store._cache) <= 8
    for i in range(0, 300, 7):
        alpha = store.read_alpha(2, i)
        assert alpha[0, i % 32] == 255 and alpha.sum() == 255 * 24
        assert len(store._cache) <= 8
    assert store.frames_with_mask(2).tolist() == list(range(300))


def test_scores_and_low_res_logits_round_trip(tmp_path):
    store = MaskletStore(tmp_path)
    rng = np.random.default_rng(1)
    low = rng.normal(size=(16, 16)).astype(np.float32)
    written = {}
    for i in (9, 2, 100, 3):
        written[i] = np.float32(rng.normal())
        store.write(4, i, rng.normal(size=(8, 8)).astype(np.float32), float(written[i]),
                    low_res_logits=low * i)
    store.flush()
    reopened = MaskletStore(tmp_path)
    frames, scores = reopened.scores(4)
    assert frames.tolist() == [2, 3, 9, 100]
    assert scores.dtype == np.float32
    assert scores.tolist() == [written[i] for i in (2, 3, 9, 100)]
    assert np.array_equal(reopened.read_low_res_logits(4, 100), low * 100)
    assert reopened.read_low_res_logits(4, 5) is None
    assert reopened.frames_with_mask(4).tolist() == [2, 3, 9, 100]


def test_reopen_without_flush_keeps_masks(tmp_path):
    store = MaskletStore(tmp_path)
    store.write_alpha(1, 10, np.full((3, 3), 77, np.uint8), 1.0)
    # simulate a crash: no flush, no close
    reopened = MaskletStore(tmp_path)
    assert reopened.frames_with_mask(1).tolist() == [10]
    assert reopened.read_alpha(1, 10)[0, 0] == 77
    assert np.isnan(reopened.scores(1)[1][0])
    assert not list(tmp_path.rglob("*.tmp"))


def test_delete_and_clear_range(tmp_path):
    store = MaskletStore(tmp_path)
    for oid in (1, 2):
        for i in range(10):
            store.write_alpha(oid, i, np.full((2, 2), i, np.uint8), 1.0,
                              low_res_logits=np.zeros((2, 2), np.float32))
    store.clear_range(1, 3, 6)
    assert store.frames_with_mask(1).tolist() == [0, 1, 2, 6, 7, 8, 9]
    assert store.read(1, 4) is None and store.read_low_res_logits(1, 4) is None
    store.delete_object(2)
    assert store.read(2, 0) is None and store.frames_with_mask(2).size == 0
    reopened = MaskletStore(tmp_path)
    assert reopened.frames_with_mask(1).tolist() == [0, 1, 2, 6, 7, 8, 9]
    assert reopened.object_ids() == [1]


def test_concurrent_writer_and_reader(tmp_path):
    store = MaskletStore(tmp_path, cache_frames=4)
    n, errors = 150, []

    def writer():
        for i in range(n):
            store.write_alpha(1, i, np.full((20, 20), i % 256, np.uint8), float(i))

    def reader():
        try:
            for _ in range(3):
                for i in range(n):
                    alpha = store.read_alpha(1, i)
                    if alpha is not None and not (alpha == i % 256).all():
                        errors.append(i)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer), threading.Thread(target=reader),
               threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.frames_with_mask(1).tolist() == list(range(n))
    assert store.scores(1)[1].tolist() == list(map(float, range(n)))


def test_unwritable_root_is_a_user_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    from editor.model import StoreError
    with pytest.raises(StoreError) as info:
        MaskletStore(blocker / "sub")
    assert info.value.user_error and str(blocker) in str(info.value)


def test_a_reader_never_sees_a_mask_the_index_does_not_list(tmp_path, monkeypatch):
    """The tracker writes on a worker while the UI (or an autosave) reads: between the mask
    file landing and the index update, a read must agree with ``frames_with_mask``."""
    store = MaskletStore(tmp_path / "d")
    seen = []
    original = MaskletStore._put

    def put_then_read(self, path, data):
        original(self, path, data)
        if path.suffix == ".png":  # the file is in place, the index not yet updated
            seen.append((self.read_alpha(1, 4) is not None,
                         4 in self.frames_with_mask(1).tolist()))

    monkeypatch.setattr(MaskletStore, "_put", put_then_read)
    store.write_alpha(1, 4, np.full((6, 8), 200, np.uint8), 3.0)
    assert seen == [(False, False)]
    assert store.read_alpha(1, 4)[0, 0] == 200 and store.frames_with_mask(1).tolist() == [4]
