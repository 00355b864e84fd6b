"""The synthetic clip generator: its ground truth must be exactly what it draws."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from rendering.media import VideoSource, probe
from rendering.synthetic import (
    CIRCLE_ID,
    CIRCLE_RGB,
    RECTANGLE_ID,
    RECTANGLE_RGB,
    TONE_HZ,
    SyntheticClip,
)

CLIP = SyntheticClip(width=160, height=96, num_frames=30, fps=Fraction(30000, 1001))


def test_masks_are_exactly_the_drawn_shapes() -> None:
    for i in (0, 14, 29):
        frame = CLIP.frame(i)
        circle, rect = CLIP.mask(i, CIRCLE_ID), CLIP.mask(i, RECTANGLE_ID)
        assert circle.sum() > 200 and rect.sum() > 200 and not (circle & rect).any()
        assert (frame[circle] == CIRCLE_RGB).all() and (frame[rect] == RECTANGLE_RGB).all()
        rest = ~(circle | rect)
        assert not (frame[rest] == CIRCLE_RGB).all(axis=1).any()
        # both objects stay fully inside the frame (no mask pixel touches the border)
        for m in (circle, rect):
            assert not (m[0].any() or m[-1].any() or m[:, 0].any() or m[:, -1].any())
    assert CLIP.mask(0, CIRCLE_ID).nonzero()[1].mean() < CLIP.mask(29, CIRCLE_ID).nonzero()[1].mean()


def test_frames_are_deterministic() -> None:
    np.testing.assert_array_equal(CLIP.frame(7), SyntheticClip(**vars(CLIP)).frame(7))
    assert CLIP.frame_rgba(7).shape == (96, 160, 4)


def test_audio_is_a_440_hz_tone_of_the_clip_duration() -> None:
    audio = CLIP.audio()
    assert audio.shape == (2, round(CLIP.duration_s * 48000)) and audio.dtype == np.float32
    spectrum = np.abs(np.fft.rfft(audio[0]))
    peak_hz = np.argmax(spectrum) * 48000 / audio.shape[1]
    assert abs(peak_hz - TONE_HZ) < 1.5
    assert abs(audio.max() - 0.5) < 1e-3


def test_written_file_has_the_requested_structure(tmp_path) -> None:
    path = CLIP.write(tmp_path / "c.mp4", gop_frames=12, bframes=2)
    info = probe(path)
    assert (info.frame_count, info.avg_rate) == (30, CLIP.fps)
    with VideoSource(path) as src:
        assert src.index.keyframes == (0, 12, 24)
        assert src.frame_time(10) == Fraction(10) / CLIP.fps
        frame = src.read(10)
        frame[:] = 0  # the caller owns the array: the cache is not affected
        assert src.read(10).mean() > 50
