"""Replay an official video-predictor scenario through ``VideoTracker`` and compare each step.

Shared by the SAM 2 and EfficientTAM conformance tests. Tolerances (SAM 2 reference README
§2.9): logits atol 2e-3 on present outputs and exactly −1024 on absent ones, object scores
atol 5e-4 with the same sign, pointers atol 5e-4, memories within one bfloat16 step
(2^-7·|x|) + 1e-3. Video-resolution logits are compared where the data holds them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from segmentation.types import ABSENT_LOGIT

LOGIT_ATOL = 2e-3
SCORE_ATOL = 5e-4
PTR_ATOL = 5e-4
ALL_STEPS = frozenset({"step1a", "step1b", "step2", "step3", "step4", "step5", "step6"})


def check_logits(ours: np.ndarray, ref: np.ndarray, what: str) -> None:
    """O×h×w logits: exact −1024 where the reference object is absent, else atol."""
    for o in range(ref.shape[0]):
        if np.all(ref[o] == ABSENT_LOGIT):
            assert np.all(ours[o] == ABSENT_LOGIT), f"{what}: object {o} must be exactly absent"
        else:
            err = np.abs(ours[o] - ref[o]).max()
            assert err <= LOGIT_ATOL, f"{what}: object {o} max error {err}"


def check_frame(tracker: Any, result: Any, outputs: Any, key: str, k: int,
                with_video: bool) -> None:
    """One tracker result against entry ``k`` of step ``key`` (``<scenario>.<step>``)."""
    ids = tuple(int(i) for i in outputs[f"{key}.obj_ids"])
    assert result.object_ids == ids, key
    assert result.frame_index == int(outputs[f"{key}.frame_idx"][k]), key
    what = f"{key}[{k}] frame {result.frame_index}"
    check_logits(result.low_res_logits, outputs[f"{key}.low_res_logits"][k], what + " low")
    if with_video and f"{key}.video_res_logits" in outputs:
        check_logits(result.logits, outputs[f"{key}.video_res_logits"][k], what + " video")
    ref_scores = outputs[f"{key}.object_score_logits"][k]
    assert np.all(np.sign(result.object_scores) == np.sign(ref_scores)), what
    assert np.abs(result.object_scores - ref_scores).max() <= SCORE_ATOL, what
    for o, oid in enumerate(ids):
        out = tracker.stored_output(result.frame_index, oid)
        ptr = out.obj_ptr.float().cpu().numpy()
        assert np.abs(ptr - outputs[f"{key}.obj_ptr"][k][o]).max() <= PTR_ATOL, what
        ref_mem = outputs[f"{key}.maskmem_features"][k][o]
        if np.isnan(ref_mem).all():
            assert out.memory is None, what
        else:
            mem = out.memory.float().cpu().numpy()
            assert np.all(np.abs(mem - ref_mem) <= 2**-7 * np.abs(ref_mem) + 1e-3), what


def replay(tracker: Any, scenario: dict, outputs: Any, name: str, steps: set[str] | frozenset,
           with_video: bool) -> int:
    """Run the scenario's calls in order, checking the steps in ``steps``; returns the number
    of frame results checked."""
    checked = 0
    for step in scenario["steps"]:
        key = f"{name}.{step['step']}"
        if step["step"] not in steps:
            continue
        if step["call"] == "add_new_points_or_box":
            frame, oid = step["frame_idx"], step["obj_id"]
            result = tracker.add_prompt(
                frame, oid, points=step.get("points_xy"), labels=step.get("labels"),
                box=step.get("box_xyxy"), clear=step["clear_old_points"])
            check_frame(tracker, result, outputs, key, 0, with_video)
            coords, labels = tracker.prompt_points(frame, oid)
            assert np.allclose(coords, outputs[f"{key}.model_point_coords"], atol=1e-4)
            assert np.array_equal(labels, outputs[f"{key}.model_point_labels"])
            checked += 1
        else:
            kwargs: dict[str, Any] = {}
            if step.get("start_frame_idx") is not None:
                kwargs["start"] = step["start_frame_idx"]
            if step.get("reverse"):
                kwargs["reverse"] = True
            results = list(tracker.propagate(**kwargs))
            assert len(results) == len(outputs[f"{key}.frame_idx"]), key
            for k, result in enumerate(results):
                check_frame(tracker, result, outputs, key, k, with_video)
            checked += len(results)
    return checked
