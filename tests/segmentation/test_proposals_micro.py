"""Object proposals with the micro SAM 2 (random weights) from ../shared/sam2-reference/micro.

The proposals are meaningless shapes (random weights), but every invariant is checkable:
sorted by quality, pairwise box IoU ≤ box_nms_thresh, each threshold removes something that the
loose run kept, and two runs give identical results.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from segmentation.proposals import propose_objects
from segmentation.proposals.nms import box_iou

LOOSE = {"pred_iou_thresh": 0.0, "stability_score_thresh": 0.0, "box_nms_thresh": 1.0,
         "min_area_px": 0}
GRID = {"points_per_side": 8, "points_per_batch": 24}


@pytest.fixture(scope="module")
def micro(sam2_reference):
    """(micro SAM 2 model, 135×240×3 uint8 frame 0 of the fixture clip)."""
    from segmentation.sam2 import checkpoint

    micro_dir = sam2_reference / "micro"
    model = checkpoint.load_sam2(micro_dir / "checkpoint.pt", config=micro_dir / "config.json").eval()
    frame = np.load(micro_dir / "inputs.npz")["frames"][0]
    return model, frame


def _run(micro, **settings):
    model, frame = micro
    return propose_objects(model, frame, **{**GRID, **settings})


@pytest.fixture(scope="module")
def loose(micro):
    found = _run(micro, **LOOSE)
    assert len(found) >= 8, "the loose run must keep enough masks to test each filter"
    return found


def _median(values) -> float:
    return float(np.median(np.asarray(values, dtype=np.float64)))


def test_sorted_and_well_formed(micro, loose):
    h, w = micro[1].shape[:2]
    qualities = [p.quality for p in loose]
    assert qualities == sorted(qualities, reverse=True)
    for p in loose:
        assert p.mask.shape == (h, w) and p.mask.dtype == bool
        assert p.low_res_logits.shape == (64, 64)
        assert 0.0 <= p.stability_score <= 1.0 and p.area_px == int(p.mask.sum()) > 0


def test_box_nms_threshold(micro, loose):
    found = _run(micro, **{**LOOSE, "box_nms_thresh": 0.7})
    assert len(found) < len(loose)
    boxes = torch.tensor([p.box_xyxy for p in found], dtype=torch.float32)
    iou = box_iou(boxes, boxes)
    for i, j in itertools.combinations(range(len(found)), 2):
        assert float(iou[i, j]) <= 0.7


def test_pred_iou_threshold(micro, loose):
    cut = _median([p.predicted_iou for p in loose])
    found = _run(micro, **{**LOOSE, "pred_iou_thresh": cut})
    assert 0 < len(found) < len(loose)
    assert all(p.predicted_iou >= cut for p in found)


def test_stability_threshold(micro, loose):
    cut = _median([p.stability_score for p in loose])
    found = _run(micro, **{**LOOSE, "stability_score_thresh": cut})
    assert 0 < len(found) < len(loose)
    assert all(p.stability_score >= cut for p in found)


def test_min_area(micro, loose):
    cut = int(_median([p.area_px for p in loose])) + 1
    found = _run(micro, **{**LOOSE, "min_area_px": cut})
    assert 0 < len(found) < len(loose)
    assert all(p.area_px >= cut for p in found)


def test_deterministic(micro):
    first = _run(micro, box_nms_thresh=0.7, pred_iou_thresh=0.0, stability_score_thresh=0.0)
    second = _run(micro, box_nms_thresh=0.7, pred_iou_thresh=0.0, stability_score_thresh=0.0)
    assert len(first) == len(second) > 0
    for a, b in zip(first, second):
        assert np.array_equal(a.mask, b.mask) and a.box_xyxy == b.box_xyxy
        assert a.predicted_iou == b.predicted_iou and a.stability_score == b.stability_score
