"""Video-frame preprocessing: our Pillow-compatible bicubic resize against the official inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from segmentation.tracker.preprocess import preprocess_frame, resize_bicubic_like_pil


def test_video_images_bit_exact(sam2_reference):
    data = np.load(sam2_reference / "micro" / "inputs.npz")
    for i, frame in enumerate(data["frames"]):
        ours = preprocess_frame(frame, 256)
        assert torch.equal(ours, torch.from_numpy(data["video_images"][i]))
    check = preprocess_frame(data["preprocess_check.frame"], 256)  # shrinks along x
    assert torch.equal(check, torch.from_numpy(data["preprocess_check.video_image"]))


@pytest.mark.parametrize("shape,size", [((54, 96, 3), 128), ((135, 240, 3), 64), ((40, 30, 3), 40),
                                        ((540, 960, 3), 512), ((720, 1280, 3), 1024)])
def test_resize_matches_pillow_landscape_and_square(shape, size):
    pil = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, shape, dtype=np.uint8)
    expected = np.asarray(pil.fromarray(image).resize((size, size)))
    assert np.array_equal(resize_bicubic_like_pil(image, size), expected)


@pytest.mark.parametrize("shape,size", [((64, 300, 3), 37), ((300, 64, 3), 512)])
def test_resize_matches_pillow_on_extreme_contrast(shape, size):
    """Stripes of 0 and 255 drive the bicubic lobes' sums to their extremes (over- and
    undershoot clipped, integer sums at their largest): still Pillow's pixels exactly."""
    pil = pytest.importorskip("PIL.Image")
    image = np.zeros(shape, np.uint8)
    image[:, ::2] = 255
    image[::3] = 255 - image[::3]
    expected = np.asarray(pil.fromarray(image).resize((size, size)))
    assert np.array_equal(resize_bicubic_like_pil(image, size), expected)


def test_resize_constant_image_stays_constant():
    image = np.full((17, 33, 3), 77, np.uint8)
    assert (resize_bicubic_like_pil(image, 50) == 77).all()


def test_rejects_float_frames():
    with pytest.raises(ValueError):
        resize_bicubic_like_pil(np.zeros((4, 4, 3), np.float32), 8)
