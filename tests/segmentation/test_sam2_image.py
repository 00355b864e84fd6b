"""Image predictor conformance with the official outputs on the micro model, and prompt errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from segmentation.errors import PromptError
from segmentation.sam2 import ImagePredictor, load_sam2
from segmentation.sam2.postprocess import fill_holes_and_sprinkles
from segmentation.sam2.preprocess import image_to_model_input

CASES = ["click_multi", "click_single", "pos_neg", "box", "box_click", "mask_input"]
ATOL = 1e-4
IOU_ATOL = 1e-5


@pytest.fixture(scope="module")
def micro(sam2_reference: Path):
    d = sam2_reference / "micro"
    model = load_sam2(d / "checkpoint.pt", config=d / "config.json")
    inputs, outputs = np.load(d / "inputs.npz"), np.load(d / "image_outputs.npz")
    predictor = ImagePredictor(model)
    predictor.set_image(inputs["frames"][0])
    return model, predictor, inputs, outputs


def _case_prompt(inputs, case: str) -> dict:
    def get(field: str):
        key = f"image.{case}.{field}"
        return inputs[key] if key in inputs else None
    return dict(point_coords=get("point_coords"), point_labels=get("point_labels"),
                box=get("box"), mask_input=get("mask_input"),
                multimask_output=bool(get("multimask_output")))


def test_preprocessing_matches(micro) -> None:
    _, _, inputs, _ = micro
    x = image_to_model_input(inputs["frames"][0], 256)
    np.testing.assert_allclose(x.numpy(), inputs["image_input"], atol=1e-6)
    y = image_to_model_input(inputs["preprocess_check.frame"], 256)
    np.testing.assert_allclose(y[0].numpy(), inputs["preprocess_check.image_input"], atol=1e-6)


def test_intermediate_features_match(micro) -> None:
    model, predictor, _, out = micro
    f = predictor.features
    pairs = [(f.trunk[i], f"image.trunk_out{i}") for i in range(4)]
    pairs += [(f.fpn[i], f"image.fpn{i}") for i in range(3)]
    pairs += [(f.fpn_pos[i], f"image.fpn_pos{i}") for i in range(3)]
    pairs += [(f.high_res_feats[i], f"image.high_res_feat{i}") for i in range(2)]
    pairs += [(predictor.image_embed, "image.image_embed"),
              (model.sam_prompt_encoder.get_dense_pe(), "image.dense_pe")]
    for tensor, key in pairs:
        assert tensor.shape == out[key].shape, key
        np.testing.assert_allclose(tensor.numpy(), out[key], atol=ATOL, err_msg=key)


@pytest.mark.parametrize("case", CASES)
def test_image_case_matches_official(micro, case: str) -> None:
    _, predictor, inputs, out = micro
    result = predictor.predict(**_case_prompt(inputs, case))
    ref_logits = out[f"{case}.masks_logits"]
    assert result.logits.shape == ref_logits.shape and result.masks.dtype == bool
    np.testing.assert_allclose(result.logits, ref_logits, atol=ATOL)
    np.testing.assert_allclose(result.iou, out[f"{case}.iou_predictions"], atol=IOU_ATOL)
    np.testing.assert_allclose(result.low_res_logits, out[f"{case}.low_res_logits"], atol=ATOL)
    np.testing.assert_array_equal(result.masks, ref_logits > 0)
    assert abs(result.object_score_logit - out[f"{case}.object_score_logits"].item()) < ATOL
    assert 0.3 < result.masks[0].mean() < 0.95  # not degenerate


@pytest.mark.parametrize("case", CASES)
def test_prompt_encoding_and_decoder_debug_values(micro, case: str) -> None:
    model, predictor, inputs, out = micro
    from segmentation.sam2.prompts import prepare_prompt

    p = _case_prompt(inputs, case)
    prompt = prepare_prompt(p["point_coords"], p["point_labels"], p["box"], p["mask_input"],
                            predictor.original_size, 256)
    np.testing.assert_allclose(prompt.coords.numpy(), out[f"{case}.model_point_coords"], atol=1e-4)
    np.testing.assert_array_equal(prompt.labels.numpy(), out[f"{case}.model_point_labels"])
    with torch.inference_mode():
        sparse, dense = model.sam_prompt_encoder(prompt.coords, prompt.labels, prompt.mask)
        dec = predictor.decode(prompt, p["multimask_output"])
    np.testing.assert_allclose(sparse.numpy(), out[f"{case}.sparse_embeddings"], atol=ATOL)
    if f"{case}.dense_embeddings" in out:
        np.testing.assert_allclose(dense.numpy(), out[f"{case}.dense_embeddings"], atol=ATOL)
    np.testing.assert_allclose(dec.all_iou.numpy(), out[f"{case}.decoder_all_iou"], atol=IOU_ATOL)


def test_forward_sam_heads_selects_and_gates(micro) -> None:
    model, predictor, inputs, out = micro
    p = _case_prompt(inputs, "click_multi")
    from segmentation.sam2.prompts import prepare_prompt

    prompt = prepare_prompt(p["point_coords"], p["point_labels"], None, None,
                            predictor.original_size, 256)
    with torch.inference_mode():
        heads = model.forward_sam_heads(predictor.image_embed, predictor.features.high_res_feats,
                                        prompt.coords, prompt.labels, None, True)
    score = out["click_multi.object_score_logits"].item()
    assert heads.low_res_multimasks.shape == (1, 3, 64, 64)
    assert heads.high_res_masks.shape == (1, 1, 256, 256) and heads.obj_ptr.shape == (1, 32)
    if score > 0:
        best = int(np.argmax(out["click_multi.iou_predictions"]))
        ref = out["click_multi.low_res_logits"][best]
        np.testing.assert_allclose(heads.low_res_masks[0, 0].clamp(-32, 32).numpy(), ref, atol=ATOL)
    else:
        assert torch.all(heads.low_res_masks == -1024.0)
        assert torch.allclose(heads.obj_ptr, model.no_obj_ptr)


def test_predict_batch_equals_single_predictions(micro) -> None:
    _, predictor, _, _ = micro
    coords = np.array([[[100.0, 60.0]], [[160.0, 40.0]]], np.float32)
    labels = np.ones((2, 1), np.int32)
    batch = predictor.predict_batch(coords, labels, multimask_output=True)
    assert batch.logits.shape == (2, 3, 135, 240)
    for i in range(2):
        single = predictor.predict(coords[i], labels[i], multimask_output=True)
        np.testing.assert_allclose(batch.logits[i], single.logits, atol=1e-5)
        np.testing.assert_allclose(batch.iou[i], single.iou, atol=1e-6)


def test_bfloat16_close_to_float32(sam2_reference: Path, micro) -> None:
    _, _, inputs, out = micro
    d = sam2_reference / "micro"
    model = load_sam2(d / "checkpoint.pt", config=d / "config.json", dtype=torch.bfloat16)
    predictor = ImagePredictor(model)
    predictor.set_image(inputs["frames"][0])
    result = predictor.predict(**_case_prompt(inputs, "box"))
    ref = out["box.masks_logits"] > 0
    agreement = (result.masks == ref).mean()
    assert result.logits.dtype == np.float32 and agreement > 0.95


def test_errors_say_what_to_do(micro) -> None:
    model, predictor, _, _ = micro
    with pytest.raises(PromptError, match="set_image"):
        ImagePredictor(model).predict(np.array([[1.0, 2.0]]), np.array([1]))
    with pytest.raises(PromptError, match="empty prompt") as info:
        predictor.predict()
    assert info.value.user_error
    with pytest.raises(PromptError, match="P×2"):
        predictor.predict(np.array([1.0, 2.0, 3.0]), np.array([1]))
    with pytest.raises(PromptError, match="labels"):
        predictor.predict(np.array([[1.0, 2.0]]), np.array([5]))
    with pytest.raises(PromptError, match="box"):
        predictor.predict(box=np.array([10, 10, 5, 20]))
    with pytest.raises(PromptError, match="mask_input"):
        predictor.predict(mask_input=np.zeros((1, 32, 32), np.float32))
    with pytest.raises(PromptError, match="RGB"):
        predictor.set_image(np.zeros((10, 10), np.uint8))


def test_any_image_size(micro) -> None:
    _, _, _, _ = micro
    model = micro[0]
    predictor = ImagePredictor(model)
    image = np.random.default_rng(0).integers(0, 255, (37, 300, 3), dtype=np.uint8)
    predictor.set_image(image)
    result = predictor.predict(np.array([[150.0, 20.0]]), np.array([1]), multimask_output=False)
    assert result.logits.shape == (1, 37, 300) and result.low_res_logits.shape == (1, 64, 64)


def test_hole_and_sprinkle_removal() -> None:
    logits = -torch.ones(1, 1, 20, 20)
    logits[0, 0, 2:12, 2:12] = 1.0
    logits[0, 0, 5, 5] = -1.0  # 1-pixel hole
    logits[0, 0, 17, 17] = 1.0  # 1-pixel sprinkle
    assert torch.equal(fill_holes_and_sprinkles(logits), logits)  # off by default
    clean = fill_holes_and_sprinkles(logits, max_hole_area_px=4, max_sprinkle_area_px=4)
    assert clean[0, 0, 5, 5] > 0 and clean[0, 0, 17, 17] < 0
    assert clean[0, 0, 0, 0] < 0 and clean[0, 0, 8, 8] > 0  # large regions untouched
