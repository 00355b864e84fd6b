"""EfficientTAM image path against the official EfficientTAMImagePredictor (micro model).

Tolerances as for SAM 2's micro tests: logits and features atol 1e-4, IoU atol 1e-5.
"""

from __future__ import annotations

import numpy as np
import pytest

from segmentation.sam2 import ImagePredictor, load_sam2
from segmentation.sam2.preprocess import image_to_model_input
from tests.segmentation.efficienttam_data import reference_file

CASES = ["click_multi", "click_single", "pos_neg", "box", "box_click", "mask_input"]
ATOL = 1e-4
IOU_ATOL = 1e-5


@pytest.fixture(scope="module")
def micro():
    model = load_sam2(reference_file("micro", "checkpoint.pt"),
                      config=reference_file("micro", "config_plain.json"))
    frames = np.load(reference_file("micro", "inputs.npz"))["frames"]
    outputs = np.load(reference_file("micro", "image_outputs.npz"))
    predictor = ImagePredictor(model)
    predictor.set_image(frames[0])
    return model, predictor, frames, outputs


def test_preprocessing_and_features_match(micro) -> None:
    model, predictor, frames, out = micro
    x = image_to_model_input(frames[0], model.image_size)
    np.testing.assert_allclose(x.numpy(), out["image.image_input"], atol=1e-6)
    f = predictor.features
    assert len(f.fpn) == 1 and f.high_res_feats == []  # one stride-16 level, no skips
    pairs = [(f.trunk[0], "image.trunk_out0"), (f.fpn[0], "image.fpn0"),
             (f.fpn_pos[0], "image.fpn_pos0"), (predictor.image_embed, "image.image_embed"),
             (model.sam_prompt_encoder.get_dense_pe(), "image.dense_pe")]
    for tensor, key in pairs:
        assert tuple(tensor.shape) == out[key].shape, key
        np.testing.assert_allclose(tensor.detach().numpy(), out[key], atol=ATOL, err_msg=key)


def _prompt(out, case: str) -> dict:
    def get(field: str):
        key = f"{case}.{field}"
        return out[key] if key in out else None
    return dict(point_coords=get("point_coords"), point_labels=get("point_labels"),
                box=get("box"), mask_input=get("mask_input"),
                multimask_output=bool(out[f"{case}.multimask_output"]))


@pytest.mark.parametrize("case", CASES)
def test_image_case_matches_official(micro, case: str) -> None:
    _, predictor, _, out = micro
    result = predictor.predict(**_prompt(out, case))
    ref_logits = out[f"{case}.masks_logits"]
    assert result.logits.shape == ref_logits.shape == (len(result.iou), 108, 192)
    np.testing.assert_allclose(result.logits, ref_logits, atol=ATOL)
    np.testing.assert_allclose(result.iou, out[f"{case}.iou_predictions"], atol=IOU_ATOL)
    np.testing.assert_allclose(result.low_res_logits, out[f"{case}.low_res_logits"], atol=ATOL)
    assert result.low_res_logits.shape[-1] == 32  # S/4 at 128 pixels, not 256
    np.testing.assert_array_equal(result.masks, ref_logits > 0)
    assert abs(result.object_score_logit - out[f"{case}.object_score_logits"].item()) < ATOL
    assert 0.005 < result.masks[0].mean() < 0.995  # not degenerate
