"""Object proposals with a stub decoder on a synthetic image whose shapes are known exactly."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest
import torch

from segmentation.proposals import ProposalsCancelled, propose_objects
from segmentation.proposals.cleanup import remove_small_regions
from segmentation.proposals.grid import point_grid_xy
from segmentation.proposals.known_masks import KnownMasksDecoder
from segmentation.proposals.nms import box_iou, nms_keep
from segmentation.proposals.scores import mask_boxes_xyxy, stability_score

H, W = 240, 320


def _shapes() -> list[np.ndarray]:
    """Three separate shapes: a rectangle, a disc and a triangle (H×W bool each)."""
    rect = np.zeros((H, W), np.uint8)
    cv2.rectangle(rect, (20, 20), (110, 90), 1, thickness=-1)
    disc = np.zeros((H, W), np.uint8)
    cv2.circle(disc, (230, 70), 50, 1, thickness=-1)
    tri = np.zeros((H, W), np.uint8)
    cv2.fillPoly(tri, [np.array([[60, 220], [160, 130], [250, 225]], np.int32)], 1)
    return [m.astype(bool) for m in (rect, disc, tri)]


def _image(masks: list[np.ndarray]) -> np.ndarray:
    image = np.full((H, W, 3), 30, np.uint8)
    for k, m in enumerate(masks):
        image[m] = (80 + 60 * k, 200 - 50 * k, 120)
    return image


def test_stub_yields_exactly_the_known_shapes_once_each():
    shapes = _shapes()
    stub = KnownMasksDecoder(shapes)
    proposals = propose_objects(stub, _image(shapes), points_per_side=16, points_per_batch=40,
                                min_area_px=20)
    assert len(proposals) == 3
    matched = sorted(next(k for k, s in enumerate(shapes) if np.array_equal(p.mask, s))
                     for p in proposals)
    assert matched == [0, 1, 2]
    for p in proposals:
        ys, xs = np.nonzero(p.mask)
        assert p.box_xyxy == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
        assert p.area_px == p.mask.sum()
        assert p.contains(*p.point_xy)
        assert p.stability_score == pytest.approx(1.0)
        assert np.array_equal(p.logits() > 0, p.mask) and p.logits().dtype == np.float32
    assert stub.decoded_points == 16 * 16


def test_sorted_by_quality_and_iou_filter_removes():
    shapes = _shapes()
    stub = KnownMasksDecoder(shapes, predicted_iou=[0.85, 0.99, 0.7])
    proposals = propose_objects(stub, _image(shapes), points_per_side=16, min_area_px=20)
    assert [p.predicted_iou for p in proposals] == pytest.approx([0.99, 0.85])  # 0.7 < 0.8
    everything = propose_objects(stub, _image(shapes), points_per_side=16, min_area_px=20,
                                 pred_iou_thresh=0.5)
    assert [p.predicted_iou for p in everything] == pytest.approx([0.99, 0.85, 0.7])


def test_stability_filter_removes_soft_masks():
    shapes = _shapes()
    soft = KnownMasksDecoder(shapes, logit_magnitude=0.5)  # inside/outside both within ±1
    assert propose_objects(soft, _image(shapes), points_per_side=16) == []
    assert len(propose_objects(soft, _image(shapes), points_per_side=16,
                               stability_score_thresh=0.0)) == 3


def test_box_nms_removes_a_near_duplicate():
    square = np.zeros((H, W), bool)
    square[40:140, 40:140] = True
    left = np.zeros((H, W), bool)
    left[40:140, 40:115] = True  # box IoU with the square: 0.75
    stub = KnownMasksDecoder([left, square], predicted_iou=[0.9, 0.95])
    image = _image([square])
    strict = propose_objects(stub, image, points_per_side=16, box_nms_thresh=0.7)
    assert len(strict) == 1 and np.array_equal(strict[0].mask, square)
    loose = propose_objects(stub, image, points_per_side=16, box_nms_thresh=0.8)
    assert len(loose) == 2


def test_min_area_drops_small_shapes_and_cleans_islands():
    big = np.zeros((H, W), bool)
    big[20:120, 20:120] = True
    big[60:63, 60:63] = False  # 9-pixel hole
    big[200:203, 300:303] = True  # 9-pixel island, far away
    small = np.zeros((H, W), bool)
    small[150:165, 200:215] = True  # 225 px
    stub = KnownMasksDecoder([big, small])
    image = _image([big, small])
    result = propose_objects(stub, image, points_per_side=16, min_area_px=300)
    assert len(result) == 1
    expected = np.zeros((H, W), bool)
    expected[20:120, 20:120] = True
    assert np.array_equal(result[0].mask, expected)
    assert result[0].box_xyxy == (20, 20, 120, 120)
    assert len(propose_objects(stub, image, points_per_side=16, min_area_px=5)) == 2


def test_progress_and_cancel():
    shapes = _shapes()
    seen: list[tuple[int, int]] = []
    propose_objects(KnownMasksDecoder(shapes), _image(shapes), points_per_side=8,
                    points_per_batch=20, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(20, 64), (40, 64), (60, 64), (64, 64)]
    cancel = threading.Event()

    def stop_after_first(done: int, total: int) -> None:
        cancel.set()

    with pytest.raises(ProposalsCancelled):
        propose_objects(KnownMasksDecoder(shapes), _image(shapes), points_per_side=8,
                        points_per_batch=20, progress=stop_after_first, cancel=cancel)


def test_bad_inputs():
    stub = KnownMasksDecoder([])
    with pytest.raises(ValueError, match="uint8"):
        propose_objects(stub, np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match="crop_layers"):
        propose_objects(stub, np.zeros((10, 10, 3), np.uint8), crop_layers=1)
    with pytest.raises(TypeError, match="PointPromptDecoder"):
        propose_objects(object(), np.zeros((10, 10, 3), np.uint8))
    assert propose_objects(stub, np.zeros((10, 10, 3), np.uint8), points_per_side=4) == []


def test_grid_cell_centres():
    grid = point_grid_xy(2, 100, 50)
    assert grid.tolist() == [[25, 12.5], [75, 12.5], [25, 37.5], [75, 37.5]]


def test_stability_score_and_boxes():
    logits = torch.tensor([[[3.0, 0.5], [-0.5, -3.0]], [[-5.0, -5.0], [-5.0, -5.0]]])
    assert stability_score(logits, 1.0).tolist() == pytest.approx([1 / 3, 1.0])
    masks = torch.zeros((2, 4, 5), dtype=torch.bool)
    masks[0, 1:3, 2:5] = True
    assert mask_boxes_xyxy(masks).tolist() == [[2, 1, 5, 3], [0, 0, 0, 0]]


def test_nms_matches_brute_force():
    gen = torch.Generator().manual_seed(3)
    xy = torch.rand((60, 2), generator=gen) * 100
    wh = torch.rand((60, 2), generator=gen) * 40 + 5
    boxes = torch.cat([xy, xy + wh], dim=1)
    scores = torch.rand(60, generator=gen)
    keep = nms_keep(boxes, scores, 0.3).tolist()
    expected: list[int] = []
    for i in sorted(range(60), key=lambda k: -float(scores[k])):
        if all(float(box_iou(boxes[i:i + 1], boxes[j:j + 1])) <= 0.3 for j in expected):
            expected.append(i)
    assert keep == expected


def test_remove_small_regions():
    mask = np.zeros((50, 50), bool)
    mask[10:40, 10:40] = True
    mask[20:22, 20:22] = False  # hole of 4
    mask[45:47, 45:47] = True  # island of 4
    cleaned, changed = remove_small_regions(mask, 10)
    assert changed and cleaned.sum() == 900 and cleaned[10:40, 10:40].all()
    same, changed = remove_small_regions(cleaned, 10)
    assert not changed and np.array_equal(same, cleaned)
