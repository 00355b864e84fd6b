"""RGB → yuv420p for the encoder: BT.709 limited-range values, swscale agreement, layout."""

from __future__ import annotations

import av
import numpy as np
import pytest
from av.video.reformatter import VideoReformatter

from rendering.media.yuv import plane_arrays, rgb_to_yuv420p

# (R, G, B) → (Y, Cb, Cr), BT.709 limited range, from Y = 16 + 219·(.2126 R + .7152 G + .0722 B)
# / 255, Cb = 128 + 112·(B − Y′) / (.9278·255), Cr = 128 + 112·(R − Y′) / (.7874·255).
KNOWN = [
    ((0, 0, 0), (16, 128, 128)),
    ((255, 255, 255), (235, 128, 128)),
    ((255, 0, 0), (63, 102, 240)),
    ((0, 255, 0), (173, 42, 26)),
    ((0, 0, 255), (32, 240, 118)),
    ((128, 128, 128), (126, 128, 128)),
    ((200, 100, 50), (117, 96, 174)),
]


def _patches(size: int = 8) -> np.ndarray:
    """One size×size patch per known colour, side by side."""
    return np.concatenate([np.full((size, size, 3), rgb, np.uint8) for rgb, _ in KNOWN], axis=1)


def test_known_colours_give_bt709_limited_values() -> None:
    y, u, v = plane_arrays(rgb_to_yuv420p(_patches()))
    for k, (_, (ey, ecb, ecr)) in enumerate(KNOWN):
        assert np.abs(y[:, 8 * k:8 * k + 8].astype(int) - ey).max() <= 1, KNOWN[k]
        assert np.abs(u[:, 4 * k:4 * k + 4].astype(int) - ecb).max() <= 1, KNOWN[k]
        assert np.abs(v[:, 4 * k:4 * k + 4].astype(int) - ecr).max() <= 1, KNOWN[k]


def _exact_chroma_means(img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """BT.709 limited Cb, Cr of every pixel in float, averaged over 2×2 blocks."""
    rgb = img.astype(np.float64) / 255.0
    y = rgb @ np.array([0.2126, 0.7152, 0.0722])
    cb = 128 + 224 * (rgb[..., 2] - y) / 1.8556
    cr = 128 + 224 * (rgb[..., 0] - y) / 1.5748
    h, w = y.shape
    return tuple(c.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3)) for c in (cb, cr))


@pytest.mark.parametrize("width,height", [(1280, 720), (34, 18), (1922, 6)])
def test_matches_swscale_and_the_exact_chroma(width, height) -> None:
    """Luma as swscale computes it; chroma the 2×2 mean of the exact values (swscale's
    chroma filter is wider and differs where colour changes from pixel to pixel); also for
    frames whose line size is padded."""
    import cv2

    rng = np.random.default_rng(width)
    coarse = rng.integers(0, 256, (height // 32 + 2, width // 32 + 2, 3), np.uint8)
    img = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR)
    img[: height // 2, : width // 2] = rng.integers(0, 256, (height // 2, width // 2, 3))
    ours = rgb_to_yuv420p(img)
    ref = VideoReformatter().reformat(av.VideoFrame.from_ndarray(img, format="rgb24"),
                                      format="yuv420p", dst_colorspace="ITU709",
                                      dst_color_range="MPEG")
    assert (ours.width, ours.height, ours.format.name) == (width, height, "yuv420p")
    (y, u, v), ry = plane_arrays(ours), plane_arrays(ref)[0]
    assert np.abs(y.astype(int) - ry).max() <= 1
    for got, exact in zip((u, v), _exact_chroma_means(img)):
        err = np.abs(got - exact)  # two roundings: the transform's, then the mean's
        assert err.max() <= 1.15 and err.mean() < 0.4
    # the frame's own reading of its planes agrees with ours (padding handled)
    np.testing.assert_array_equal(ours.to_ndarray()[:height], y)


@pytest.mark.parametrize("shape", [(5, 8, 3), (8, 5, 3), (8, 8, 4), (8, 8)])
def test_rejects_odd_sizes_and_other_layouts(shape) -> None:
    with pytest.raises(ValueError, match="even"):
        rgb_to_yuv420p(np.zeros(shape, np.uint8))
