"""The engine job behind Track: what a pass re-tracks after edits, and refused passes."""

from __future__ import annotations

import logging
from fractions import Fraction

import numpy as np

from editor.app.tracking import EnginePrompt, MaskRef, desired_prompts
from editor.model import AddObject, AddPrompt, MaskPrompt, MediaSnapshot, Project
from editor.workers.engine import TrackRequest, _EngineJob
from rendering.synthetic import SyntheticClip
from segmentation.offline import OfflineTracker

CLIP = SyntheticClip(width=160, height=96, num_frames=12, fps=Fraction(24))


class Store:
    """Records what the job writes (object, frame, present)."""

    def __init__(self) -> None:
        self.writes: list[tuple[int, int, bool]] = []

    def write(self, oid, frame, logits, score, low_res=None) -> None:
        self.writes.append((oid, frame, logits is not None))

    def flush(self) -> None:
        pass


def job_with_signals():
    frames = np.stack([CLIP.frame(i) for i in range(CLIP.num_frames)])
    store = Store()
    job = _EngineJob(lambda: OfflineTracker(frames), store)
    seen = {"failed": [], "finished": [], "results": []}
    job.failed.connect(seen["failed"].append)
    job.finished.connect(seen["finished"].append)
    job.tracked.connect(seen["results"].append)
    return job, store, seen


def box_of(object_id: int, frame: int) -> EnginePrompt:
    ys, xs = np.nonzero(CLIP.mask(frame, object_id))
    return EnginePrompt(box=(xs.min() - 2.0, ys.min() - 2.0, xs.max() + 3.0, ys.max() + 3.0))


def test_deleting_an_object_then_track_retracks_nothing():
    job, _store, seen = job_with_signals()
    wanted = {(1, 0): box_of(1, 0), (2, 0): box_of(2, 0)}
    job.sync(wanted)
    job.track(TrackRequest(CLIP.num_frames))
    assert seen["finished"] == [True] and len(set(seen["results"])) == CLIP.num_frames
    seen["results"].clear()
    job.sync({(1, 0): wanted[(1, 0)]})  # object 2 deleted in the editor
    job.track(TrackRequest(CLIP.num_frames))  # was an IndexError (empty correction set)
    assert seen["failed"] == [] and seen["finished"] == [True, True]
    assert seen["results"] == []  # object 1 is unchanged: nothing to redo


def test_a_correction_after_a_deletion_retracks_from_it():
    job, _store, seen = job_with_signals()
    job.sync({(1, 0): box_of(1, 0), (2, 0): box_of(2, 0)})
    job.track(TrackRequest(CLIP.num_frames))
    seen["results"].clear()
    job.sync({(1, 0): box_of(1, 0), (1, 6): box_of(1, 6)})  # 2 deleted, 1 corrected on 6
    job.track(TrackRequest(CLIP.num_frames))
    assert seen["failed"] == [] and seen["finished"][-1] is True
    # frames 0..5 were tracked towards the correction: they keep their masks (the rule of
    # segmentation.retrack, which the offline engine follows like SAM 2)
    assert seen["results"] == list(range(6, CLIP.num_frames))


def test_prompts_that_give_no_mask_refuse_tracking_with_advice(caplog):
    job, store, seen = job_with_signals()
    empty = np.zeros((CLIP.height, CLIP.width), np.float32)
    job.sync({(1, 3): EnginePrompt(mask=MaskRef(MaskPrompt("empty"), lambda _p: empty))})
    assert store.writes == [(1, 3, False)]
    with caplog.at_level(logging.INFO, logger="editor.workers.engine"):
        job.track(TrackRequest(CLIP.num_frames))
    assert seen["finished"] == [False]
    assert len(seen["failed"]) == 1 and "every prompt gave an empty mask" in seen["failed"][0]
    assert "draw a box" in seen["failed"][0]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no traceback


def test_a_refused_prompt_is_reported_once_and_does_not_block_the_others():
    job, store, seen = job_with_signals()
    flat = EnginePrompt(box=(40.0, 10.0, 40.0, 60.0))  # zero width: the engine refuses it
    wanted = {(1, 0): flat, (2, 0): box_of(2, 0)}
    job.sync(wanted)
    assert len(seen["failed"]) == 1 and "box must be" in seen["failed"][0]
    assert (2, 0, True) in store.writes  # object 2 went through
    job.sync(dict(wanted))  # the next sync (another edit) does not repeat the refusal
    assert len(seen["failed"]) == 1
    job.track(TrackRequest(CLIP.num_frames))
    assert seen["finished"] == [True]
    assert {(o, f) for o, f, present in store.writes if o == 2 and present} >= {
        (2, f) for f in range(CLIP.num_frames)}


def test_prompt_events_decode_no_mask_png_and_the_engine_gets_each_changed_mask_once():
    """Issue 19: every prompt event recomputes the wanted prompts on the UI thread; mask
    prompts travel by name and are read on the engine's thread, only when they changed."""
    project = Project(media=MediaSnapshot(CLIP.num_frames, "24", CLIP.width, CLIP.height, 0.5))
    add = AddObject(project, name="o")
    project.execute(add)
    mask = np.zeros((CLIP.height, CLIP.width), bool)
    mask[20:60, 30:90] = True
    for frame in (0, 5):
        name = project.masks.put_prompt_mask(mask if frame == 0 else ~mask)
        project.execute(AddPrompt(project, add.object_id, frame, MaskPrompt(name)))
    reads: list[str] = []
    read = project.masks.get_prompt_mask
    project.masks.get_prompt_mask = lambda name: (reads.append(name), read(name))[1]
    first, again = desired_prompts(project), desired_prompts(project)
    assert reads == [] and first == again  # equal by name, nothing decoded
    job, store, seen = job_with_signals()
    job.sync(first)
    job.sync(again)  # an event that changed nothing: nothing re-read, nothing re-sent
    assert len(reads) == 2 and store.writes == [(1, 0, True), (1, 5, True)]
    assert np.array_equal(first[(1, 0)].kwargs()["mask"], mask.astype(np.float32))
