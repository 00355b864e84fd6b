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


def _reference_guided(low: np.ndarray, frame: np.ndarray, sigma: float) -> np.ndarray:
    """The joint bilateral upsampling written pixel-wise over the whole frame (float64): at
    every pixel, the four bilinear neighbours weighted by bilinear weight × colour weight
    against each cell's mean colour, kept where the pixel's 2×2 neighbour block, or one
    next to it, straddles 0; bilinear elsewhere."""
    import cv2

    height, width = frame.shape[:2]
    h, w = low.shape
    uy = (np.arange(height) + 0.5) * h / height - 0.5
    ux = (np.arange(width) + 0.5) * w / width - 0.5
    y0, x0 = np.floor(uy).astype(int)[:, None], np.floor(ux).astype(int)[None, :]
    fy, fx = uy[:, None] - y0, ux[None, :] - x0
    cell = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA).astype(np.float64)
    num = np.zeros((height, width))
    den = np.zeros((height, width))
    for dy in (0, 1):
        for dx in (0, 1):
            iy, ix = np.clip(y0 + dy, 0, h - 1), np.clip(x0 + dx, 0, w - 1)
            bil = (fy if dy else 1 - fy) * (fx if dx else 1 - fx)
            dist2 = ((frame.astype(np.float64) - cell[iy, ix]) ** 2).sum(axis=-1)
            weight = bil * (np.exp(-dist2 / (2 * (255 * sigma) ** 2)) + 1e-30)
            num += weight * low[iy, ix]
            den += weight
    # the neighbour block of cells (i..i+1, j..j+1), clamped, for i = -1..h-1 (every block,
    # including those no pixel falls in when the frame is smaller than the map)
    straddles = np.zeros((h + 1, w + 1), bool)
    for i in range(-1, h):
        for j in range(-1, w):
            values = low[np.clip([i, i + 1], 0, h - 1)][:, np.clip([j, j + 1], 0, w - 1)]
            straddles[i + 1, j + 1] = (values > 0).any() and not (values > 0).all()
    near = np.zeros((height, width), bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            by, bx = np.clip(y0 + 1 + dy, 0, h), np.clip(x0 + 1 + dx, 0, w)
            near |= straddles[by, bx]
    bilinear = cv2.resize(low, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.where(near, num / den, bilinear)


@pytest.mark.parametrize(("low_shape", "frame_shape", "chunk"), [
    ((32, 32), (120, 200), None), ((24, 16), (97, 131), 300), ((37, 37), (20, 30), None)])
def test_guided_matches_the_pixelwise_definition(low_shape, frame_shape, chunk, monkeypatch):
    """The block-wise computation (tiles over the band, in chunks) is the pixel-wise joint
    bilateral upsampling, on non-square maps, odd sizes and a frame smaller than the map."""
    import cv2

    from segmentation import upsample

    if chunk:
        monkeypatch.setattr(upsample, "_CHUNK_PIXELS", chunk)
    rng = np.random.default_rng(1)
    # a blob logit map and a frame whose colours follow a slightly different blob + noise
    yy, xx = np.mgrid[:low_shape[0], :low_shape[1]]
    low = (6.0 - np.hypot(yy - low_shape[0] * 0.45, xx - low_shape[1] * 0.55)
           ).astype(np.float32) + rng.normal(0, 0.3, low_shape).astype(np.float32)
    fy, fx = np.mgrid[:frame_shape[0], :frame_shape[1]]
    inside = np.hypot(fy / frame_shape[0] - 0.47, fx / frame_shape[1] - 0.53) < 0.2
    frame = np.where(inside[..., None], [210, 80, 50], [40, 120, 200])
    frame = np.clip(frame + rng.integers(-20, 21, frame.shape), 0, 255).astype(np.uint8)
    for sigma in (0.05, 0.1):
        want = _reference_guided(low, frame, sigma)
        got = upsample.guided_upsample(low, frame, GuidedParams(sigma))
        np.testing.assert_allclose(got, want, atol=1e-4)
        bilinear = cv2.resize(low, frame_shape[::-1], interpolation=cv2.INTER_LINEAR)
        assert np.abs(got - bilinear).max() > 0.1  # the band was exercised


@pytest.mark.parametrize(("frame_shape", "side"), [((1080, 1920), 128), ((480, 854), 256),
                                                   ((97, 131), 32), ((50, 60), 64)])
def test_cell_colours_of_a_crop_are_the_whole_frames(frame_shape, side):
    """Only the cells the band reads are computed, from a crop of the frame: they are
    exactly the whole frame's area resize (the crop's ends fall on whole pixels of a
    binary-exact grid; other grids, and frames smaller than the map, fall back to it all)."""
    import cv2

    from segmentation.upsample import cell_colours

    rng = np.random.default_rng(2)
    frame = rng.integers(0, 256, (*frame_shape, 3), dtype=np.uint8)
    frame = cv2.GaussianBlur(frame, (0, 0), 2)  # the rounding to uint8 is exercised too
    full = cv2.resize(frame, (side, side), interpolation=cv2.INTER_AREA).astype(np.float32)
    np.testing.assert_array_equal(cell_colours(frame, (side, side)), full)
    for _ in range(4):
        r0, r1 = sorted(rng.integers(0, side + 1, 2))
        c0, c1 = sorted(rng.integers(0, side + 1, 2))
        cells = cell_colours(frame, (side, side), (r0, r1 + 1), (c0, c1 + 1))
        np.testing.assert_array_equal(cells[r0:r1 + 1, c0:c1 + 1], full[r0:r1 + 1, c0:c1 + 1])
    if frame_shape == (1080, 1920):  # only a crop is computed: rows in periods of 16 cells
        computed = cell_colours(frame, (side, side), (40, 50), (60, 70)).any(-1)
        assert np.array_equal(np.nonzero(computed.any(1))[0], np.arange(32, 64))
        assert np.array_equal(np.nonzero(computed.any(0))[0], np.arange(60, 70))
