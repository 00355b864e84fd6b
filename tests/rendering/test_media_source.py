"""Frame sources: frame-accurate random access, GOP cache, VFR, rotation, alpha, images."""

from __future__ import annotations

import threading
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from rendering.errors import MediaError
from rendering.media import ImageFolderSource, ImageSource, VideoSource, open_source
from rendering.synthetic import SyntheticClip

CLIP = SyntheticClip(width=160, height=96, num_frames=90, fps=Fraction(30))


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("media_source")
    return {
        # B-frames and a GOP longer than 30: keyframes at 0 and 48 only
        "h264": CLIP.write(d / "bframes.mp4", gop_frames=48, bframes=3, with_audio=False),
        "vfr": CLIP.write(d / "vfr.mp4", vfr=True, with_audio=False),
        "rot90": CLIP.write(d / "rot90.mp4", rotation_deg=90, with_audio=False),
        "rot270": CLIP.write(d / "rot270.mp4", rotation_deg=270, with_audio=False),
        "vp9a": CLIP.write(d / "alpha.webm", codec="vp9", alpha=True, with_audio=False),
    }


def circle_x(frame: np.ndarray) -> float:
    """Column centroid of the red circle in an RGB frame."""
    red = (frame[..., 0] > 170) & (frame[..., 1] < 110) & (frame[..., 2] < 110)
    return float(np.nonzero(red)[1].mean())


def test_random_access_equals_sequential(clips) -> None:
    with VideoSource(clips["h264"]) as src:
        assert len(src) == 90 and (src.width, src.height) == (160, 96)
        assert src.index.keyframes == (0, 48)
        sequential = [f for _, f in src.iter_frames()]
        assert len(sequential) == 90
    with VideoSource(clips["h264"], cache_bytes=4 * 160 * 96 * 3) as src:  # tiny cache
        order = np.random.default_rng(1).permutation(90)
        for i in order:
            np.testing.assert_array_equal(src.read(int(i)), sequential[i])


def test_frames_land_on_their_own_index(clips) -> None:
    step = CLIP.circle(1)[0] - CLIP.circle(0)[0]
    with VideoSource(clips["h264"]) as src:
        for i in (89, 3, 47, 48, 49, 0, 60):
            err = abs(circle_x(src.read(i)) - CLIP.circle(i)[0])
            assert err < step / 3, (i, err)


def test_sequential_reads_never_seek(clips) -> None:
    with VideoSource(clips["h264"]) as src:
        for i in range(90):
            src.read(i)
        assert src.stats.seeks == 1
        assert src.stats.frames_decoded == 90


def test_reverse_stepping_decodes_each_gop_once(clips) -> None:
    with VideoSource(clips["h264"]) as src:
        frames = {i: src.read(i) for i in range(89, -1, -1)}
        # without the GOP cache this would decode ~sum over frames of (i - keyframe) ≈ 2000
        assert src.stats.frames_decoded <= 90 + 8
        assert src.stats.seeks <= 2
        with VideoSource(clips["h264"]) as fresh:
            for i in (0, 30, 48, 89):
                np.testing.assert_array_equal(frames[i], fresh.read(i))


def test_concurrent_reads_are_consistent(clips) -> None:
    with VideoSource(clips["h264"], cache_bytes=10 * 160 * 96 * 2) as src:
        expected = {i: f for i, f in src.iter_frames()}
        errors: list[str] = []

        def worker(seed: int) -> None:
            for i in np.random.default_rng(seed).integers(0, 90, 25):
                if not np.array_equal(src.read(int(i)), expected[int(i)]):
                    errors.append(f"frame {i}")

        threads = [threading.Thread(target=worker, args=(s,)) for s in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []


def test_iter_frames_range(clips) -> None:
    with VideoSource(clips["h264"]) as src:
        got = list(src.iter_frames(50, 55))
        assert [i for i, _ in got] == [50, 51, 52, 53, 54]
        for i, f in got:
            np.testing.assert_array_equal(f, src.read(i))


def test_vfr_index_time_mapping(clips) -> None:
    times = CLIP.vfr_times()
    with VideoSource(clips["vfr"]) as src:
        assert src.info.is_vfr and len(src) == 90
        for i in (0, 1, 2, 3, 44, 89):
            assert src.frame_time(i) == times[i]
            assert src.frame_at_time(times[i]) == i
            # just before the next frame starts, frame i is still on screen
            if i + 1 < 90:
                assert src.frame_at_time(times[i + 1] - Fraction(1, 1000)) == i
        step = CLIP.circle(1)[0] - CLIP.circle(0)[0]
        assert abs(circle_x(src.read(70)) - CLIP.circle(70)[0]) < step / 3
        # the reported rate is the average: frames / duration
        assert abs(float(src.fps) - 90 / float(CLIP.vfr_duration_s())) < 0.5


@pytest.mark.parametrize("name", ["rot90", "rot270"])
def test_rotation_is_applied(clips, name: str) -> None:
    with VideoSource(clips[name]) as src:
        assert (src.width, src.height) == (160, 96)
        assert (src.info.coded_width, src.info.coded_height) == (96, 160)
        assert src.info.rotation_deg == int(name[3:])
        frame = src.read(20)
        assert frame.shape == (96, 160, 3)
        # upright: the decoded picture matches the ground truth far better than any rotation
        truth = CLIP.frame(20).astype(int)
        assert np.abs(frame.astype(int) - truth).mean() < 6
        flipped = np.rot90(truth, 2)
        assert np.abs(frame.astype(int) - flipped).mean() > 20


def test_vp9_alpha_is_decoded(clips) -> None:
    with VideoSource(clips["vp9a"]) as src:
        assert src.has_alpha and src.info.codec == "vp9"
        rgba = src.read_rgba(30)
        assert rgba.shape == (96, 160, 4)
        assert np.abs(rgba[..., 3].astype(int) - CLIP.alpha(30)).mean() < 2
        assert src.read(30).shape == (96, 160, 3)


def test_image_folder_and_single_image(tmp_path) -> None:
    clip = SyntheticClip(width=64, height=48, num_frames=12)
    folder = clip.write_image_folder(tmp_path / "frames", ".png")
    # names sort by integer value, not text
    (folder / "00011.png").rename(folder / "11.png")
    with open_source(folder, fps="25") as src:
        assert isinstance(src, ImageFolderSource)
        assert (len(src), src.width, src.height, src.fps) == (12, 64, 48, 25)
        np.testing.assert_array_equal(src.read(11), clip.frame(11))
        np.testing.assert_array_equal(src.read(3), clip.frame(3))
        assert src.read_rgba(3)[..., 3].min() == 255
        assert [i for i, _ in src.iter_frames(10)] == [10, 11]
        assert src.frame_time(5) == Fraction(1, 5)
    with open_source(folder / "00004.png") as one:
        assert isinstance(one, ImageSource)
        assert (len(one), one.fps) == (1, 30)
        np.testing.assert_array_equal(one.read(0), clip.frame(4))
        with pytest.raises(IndexError):
            one.read(1)


def test_image_folder_errors(tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(MediaError, match="no images"):
        open_source(tmp_path / "empty")
    with pytest.raises(MediaError, match="not found"):
        open_source(tmp_path / "missing.png")
