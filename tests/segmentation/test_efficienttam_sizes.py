"""Nothing in segmentation/ assumes 1024-pixel inputs or 64×64 features: a tiny random
EfficientTAM at 192 pixels (12×12 embedding, 48×48 low-res masks, pooled memory attention)
through VideoTracker (incl. affected-only re-track), ImagePredictor, proposals and the
tracker's memory estimate."""

from __future__ import annotations

import numpy as np
import pytest

from segmentation.proposals import propose_objects
from segmentation.sam2 import ImagePredictor
from segmentation.tracker import VideoTracker, budget
from segmentation.tracker.settings import ModelSettings
from segmentation.types import ABSENT_LOGIT
from tests.micro_efficienttam import IMAGE_SIZE, micro_efficienttam

H, W = 90, 160


@pytest.fixture(scope="module")
def model():
    return micro_efficienttam()


def _clip(n: int) -> np.ndarray:
    rng = np.random.default_rng(3)
    frames = rng.integers(0, 255, size=(n, H, W, 3), dtype=np.uint8)
    for t in range(n):
        frames[t, 20:60, 30 + 4 * t:80 + 4 * t] = (220, 40, 40)
    return frames


def test_image_predictor_and_proposals_at_192(model) -> None:
    frame = _clip(1)[0]
    predictor = ImagePredictor(model)
    predictor.set_image(frame)
    assert tuple(predictor.image_embed.shape[-2:]) == (IMAGE_SIZE // 16,) * 2
    result = predictor.predict(point_coords=np.array([[50.0, 40.0]]),
                               point_labels=np.array([1]), multimask_output=True)
    assert result.logits.shape == (3, H, W)
    assert result.low_res_logits.shape == (3, IMAGE_SIZE // 4, IMAGE_SIZE // 4)
    proposals = propose_objects(model, frame, points_per_side=4, pred_iou_thresh=0.0,
                                stability_score_thresh=0.0, box_nms_thresh=1.0, min_area_px=0)
    assert proposals and all(p.mask.shape == (H, W) for p in proposals)
    assert all(p.low_res_logits.shape == (IMAGE_SIZE // 4,) * 2 for p in proposals)


def test_video_tracker_with_affected_only_retrack(model) -> None:
    frames = _clip(8)
    tracker = VideoTracker(model, frames)
    first = tracker.add_prompt(0, 1, points=[[50, 40]], labels=[1])
    assert first.logits.shape == (1, H, W) and first.low_res_logits.shape[-1] == IMAGE_SIZE // 4
    results = list(tracker.propagate())
    assert [r.frame_index for r in results] == list(range(8))
    assert all(r.logits.shape == (1, H, W) for r in results)
    # memories of 12×12 tokens; frame 7 attended to 7 memory frames through the pooled path
    assert tuple(tracker.stored_output(7, 1).memory.shape) == (8, 12, 12)
    tracker.add_prompt(5, 2, box=[30, 20, 90, 60])
    again = list(tracker.propagate(affected_only=True))
    assert {r.object_ids for r in again} == {(2,)}
    assert sorted(r.frame_index for r in again) == list(range(8))
    for f in range(8):
        cached = tracker.get_result(f)
        assert cached.object_ids == (1, 2)
        same = cached.logits[0] == results[f].logits[0]
        assert same.all() or (results[f].logits[0] == ABSENT_LOGIT).all()


def test_memory_estimate_counts_no_high_res_features_for_efficienttam(model) -> None:
    s = ModelSettings.from_hyperparameters(model.config.hyperparameters)
    assert not s.use_high_res_features
    side = IMAGE_SIZE // 16
    assert budget.frame_feature_bytes(s, 4) == 2 * 32 * side * side * 4
    from segmentation.sam2 import CONFIGS

    sam2 = ModelSettings.from_hyperparameters(CONFIGS["sam2.1_hiera_t"].hyperparameters)
    etam = ModelSettings.from_hyperparameters(CONFIGS["efficienttam_s_512x512"].hyperparameters)
    assert budget.frame_feature_bytes(sam2, 2) == 2 * (2 * 256 * 64 * 64 + 32 * 256**2
                                                       + 64 * 128**2)
    assert budget.frame_feature_bytes(etam, 2) == 2 * 2 * 256 * 32 * 32
    assert budget.output_bytes(etam) == 64 * 32 * 32 * 2 + 128 * 128 * 4 + 256 * 4
