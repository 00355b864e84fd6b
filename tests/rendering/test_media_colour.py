"""Colour: YUV matrix and range of the stream are honoured, 10-bit input decodes correctly."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from rendering.media import VideoSource, probe
from rendering.synthetic import CIRCLE_ID, CIRCLE_RGB, RECTANGLE_ID, RECTANGLE_RGB, SyntheticClip

CLIP = SyntheticClip(width=160, height=96, num_frames=6, fps=Fraction(30))
FRAME = 3


def _interior(mask: np.ndarray, margin: int = 4) -> np.ndarray:
    """The mask shrunk by ``margin`` pixels (away from chroma-subsampled edges)."""
    out = mask.copy()
    for _ in range(margin):
        out = out & np.roll(out, 1, 0) & np.roll(out, -1, 0) & np.roll(out, 1, 1) \
            & np.roll(out, -1, 1)
    return out


def _patch_means(frame: np.ndarray) -> list[np.ndarray]:
    return [frame[_interior(CLIP.mask(FRAME, oid))].mean(axis=0)
            for oid in (CIRCLE_ID, RECTANGLE_ID)]


@pytest.mark.parametrize("matrix,rng,pix_fmt", [
    ("bt601", "limited", "yuv420p"),
    ("bt709", "limited", "yuv420p"),
    ("bt601", "full", "yuv420p"),
    ("bt709", "full", "yuv420p"),
    ("bt709", "limited", "yuv420p10le"),
    ("bt601", "limited", "yuv420p10le"),
])
def test_known_patches_decode_to_their_colour(tmp_path, matrix, rng, pix_fmt) -> None:
    path = CLIP.write(tmp_path / "c.mp4", colorspace=matrix, color_range=rng, pix_fmt=pix_fmt,
                      with_audio=False, crf=8)
    info = probe(path)
    assert (info.colour_matrix, info.colour_range) == (matrix, rng)
    assert info.bit_depth == (10 if "10" in pix_fmt else 8)
    with VideoSource(path) as src:
        frame = src.read(FRAME)
    for got, want in zip(_patch_means(frame), (CIRCLE_RGB, RECTANGLE_RGB)):
        assert np.abs(got - np.array(want)).max() < 3.5, (got, want)


def test_wrong_matrix_would_be_detected(tmp_path) -> None:
    """Sanity check of the test above: decoding BT.709 data as BT.601 misses by > 5 levels."""
    path = CLIP.write(tmp_path / "c.mp4", colorspace="bt709", with_audio=False, crf=8)
    with av.open(str(path)) as c:
        frame = list(c.decode(video=0))[FRAME]
        wrong = frame.reformat(format="rgb24", src_colorspace="ITU601",
                               src_color_range="MPEG", dst_color_range="JPEG").to_ndarray()
    errors = [np.abs(got - np.array(want)).max()
              for got, want in zip(_patch_means(wrong), (CIRCLE_RGB, RECTANGLE_RGB))]
    assert max(errors) > 5
