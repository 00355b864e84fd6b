"""Image-guided upsampling of low-res logits (segmentation/upsample.py) and the tracker option."""

from __future__ import annotations

import numpy as np
import pytest

from segmentation.sam2 import ImagePredictor
from segmentation.sam2.mask_decoder import DecoderOutput
from segmentation.tracker import VideoTracker
from segmentation.tracker.settings import TrackerOptions
from segmentation.types import ABSENT_LOGIT
from segmentation.upsample import GuidedParams, upsample_logits
from tests.segmentation.test_tracker_engine import StandInModel, clip

H, W = 120, 200
EDGE_X = 83  # columns < 83 are the object's colour


def _two_colour_frame(noise: int = 6) -> np.ndarray:
    rng = np.random.default_rng(0)
    frame = np.empty((H, W, 3), np.int16)
    frame[:, :EDGE_X] = (200, 60, 40)
    frame[:, EDGE_X:] = (40, 90, 190)
    frame += rng.integers(-noise, noise + 1, frame.shape, dtype=np.int16)
    return np.clip(frame, 0, 255).astype(np.uint8)


def _low_res_logits(edge_x: float, side: int = 32) -> np.ndarray:
    """A model-like side×side logit map whose edge sits at ``edge_x`` (video px)."""
    xx = (np.arange(side) + 0.5) * W / side - 0.5  # column centres in video px
    ramp = (edge_x - 0.5 - xx) / 4.0  # soft edge, > 0 left of it
    return np.repeat(ramp[None].astype(np.float32), side, axis=0)


def _edge_columns(logits: np.ndarray) -> np.ndarray:
    """Per row, the first column where the mask (logit > 0) ends."""
    inside = logits > 0
    return inside.sum(axis=1)  # masks are left-aligned: count = edge column


@pytest.mark.parametrize(("side", "offset_px"), [(32, 2.0), (32, -2.0), (48, 1.5), (48, -1.5)])
def test_guided_edge_snaps_to_sharp_colour_boundary_within_1px(side, offset_px):
    """The model's edge is a third of a low-res cell off the colour boundary (cells of 6.25
    and 4.2 px): bilinear keeps the error, guided puts the edge within 1 px of the boundary."""
    frame = _two_colour_frame()
    low = _low_res_logits(EDGE_X + offset_px, side)[None]
    bilinear = upsample_logits(low, H, W, "bilinear")[0]
    guided = upsample_logits(low, H, W, "guided", frame)[0]
    assert np.all(np.abs(_edge_columns(bilinear) - EDGE_X) >= 2)  # the test can fail
    assert np.all(np.abs(_edge_columns(guided) - EDGE_X) <= 1)


def test_flat_region_and_constant_logits_stay_untouched():
    frame = _two_colour_frame()
    low = np.full((1, 32, 32), 2.5, np.float32)
    np.testing.assert_array_equal(upsample_logits(low, H, W, "guided", frame), 2.5)
    # beyond the cells next to the edge (cells of 6.25 px) the logits are bilinear's
    low = _low_res_logits(EDGE_X + 2.0)[None]
    bil = upsample_logits(low, H, W, "bilinear")[0]
    gui = upsample_logits(low, H, W, "guided", frame)[0]
    far = np.abs(np.arange(W) - EDGE_X) > 20
    np.testing.assert_array_equal(gui[:, far], bil[:, far])
    assert not np.array_equal(gui, bil)
    # one colour everywhere (no edge to follow): the bilinear logits, band included
    flat = np.full_like(frame, 128)
    np.testing.assert_allclose(upsample_logits(low, H, W, "guided", flat), bil[None],
                               atol=1e-5)
    # a huge colour σ is bilinear interpolation
    wide = upsample_logits(low, H, W, "guided", frame, GuidedParams(colour_sigma=1e3))
    np.testing.assert_allclose(wide, bil[None], atol=1e-5)


def test_absent_object_stays_exactly_absent_and_bilinear_is_official():
    low = np.stack([np.full((16, 16), ABSENT_LOGIT, np.float32), _low_res_logits(90, 16)])
    out = upsample_logits(low, H, W, "guided", _two_colour_frame())
    assert np.all(out[0] == ABSENT_LOGIT)
    bil = upsample_logits(low, H, W, "bilinear")
    import torch
    import torch.nn.functional as F
    ref = F.interpolate(torch.from_numpy(low[1:])[None], size=(H, W), mode="bilinear",
                        align_corners=False)[0].numpy()
    np.testing.assert_allclose(bil[1:], ref, atol=1e-4)
    with pytest.raises(ValueError, match="upsample"):
        upsample_logits(low, H, W, "bicubic")


def test_tracker_option_guides_video_logits_and_keeps_low_res():
    with pytest.raises(ValueError, match="upsample"):
        TrackerOptions(upsample="nearest")
    frames = clip(3)
    model = StandInModel().eval()
    results = {}
    for method in ("bilinear", "guided"):
        tracker = VideoTracker(model, frames, upsample=method)
        tracker.add_prompt(0, 1, points=[[20, 25]], labels=[1])
        results[method] = list(tracker.propagate())
    for bil, gui in zip(results["bilinear"], results["guided"], strict=True):
        np.testing.assert_array_equal(bil.low_res_logits, gui.low_res_logits)
        assert gui.logits.shape == bil.logits.shape == (1, 48, 80)
        # the video logits are the low-res ones guided by that frame (the clip's own pixels)
        want = upsample_logits(gui.low_res_logits, 48, 80, "guided", frames[gui.frame_index])
        np.testing.assert_allclose(gui.logits, want, atol=1e-5)
        if gui.is_present(1):
            assert not np.allclose(gui.logits, bil.logits, atol=1e-2)
    assert results["guided"][0].is_present(1)  # the prompted frame exercises the guide


def test_image_predictor_takes_the_same_upsample_choice():
    """The decoder's 48×48 logits put the edge 2 px right of a sharp colour boundary:
    guided lands within 1 px of it, bilinear (the default, official path) stays off."""
    import torch

    from tests.micro_efficienttam import micro_efficienttam

    with pytest.raises(ValueError, match="upsample"):
        ImagePredictor(micro_efficienttam(), upsample="bicubic")
    frame = _two_colour_frame()
    low = torch.from_numpy(_low_res_logits(EDGE_X + 2.0, side=48))
    one = torch.ones(1, 1)

    def decode(prompt, multimask_output):
        b = prompt.batch
        return DecoderOutput(masks=low.expand(b, 1, 48, 48).clone(), iou=one.expand(b, 1),
                             tokens=torch.zeros(b, 1, 8), object_score=one.expand(b, 1),
                             all_iou=torch.ones(b, 4))

    model = micro_efficienttam()
    edges = {}
    for method in ("bilinear", "guided"):
        kwargs = {} if method == "bilinear" else {"upsample": "guided"}
        predictor = ImagePredictor(model, **kwargs)
        predictor.decode = decode
        predictor.set_image(frame)
        single = predictor.predict(np.array([[40.0, 60.0]]), np.array([1]),
                                   multimask_output=False)
        batch = predictor.predict_batch(np.array([[[40.0, 60.0]], [[30.0, 20.0]]]),
                                        np.array([[1], [1]]), multimask_output=False)
        np.testing.assert_array_equal(single.low_res_logits[0], low.numpy())
        assert single.logits.shape == (1, H, W) and batch.logits.shape == (2, 1, H, W)
        np.testing.assert_allclose(batch.logits[1, 0], single.logits[0], atol=1e-5)
        edges[method] = _edge_columns(single.logits[0])
        assert np.array_equal(_edge_columns(batch.logits[0, 0]), edges[method])
    assert np.all(np.abs(edges["bilinear"] - EDGE_X) >= 2)
    assert np.all(np.abs(edges["guided"] - EDGE_X) <= 1)
