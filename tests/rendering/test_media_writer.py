"""Writer: encode -> decode round trips per codec, alpha, colour tags, atomic output."""

from __future__ import annotations

import errno
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from rendering.errors import DiskFullError, OutputSettingsError
from rendering.media import VideoSource, VideoWriter, WriterSettings, open_source, probe
from rendering.synthetic import SyntheticClip

CLIP = SyntheticClip(width=160, height=96, num_frames=12, fps=Fraction(30000, 1001))


def write_clip(path: Path, settings: WriterSettings, rgba: bool) -> Path:
    with VideoWriter(path, settings, CLIP.width, CLIP.height, CLIP.fps) as w:
        for i in range(CLIP.num_frames):
            w.write(CLIP.frame_rgba(i) if rgba else CLIP.frame(i))
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial-" in p.name)


@pytest.mark.parametrize("codec,suffix,tolerance", [
    ("h264", ".mp4", 4.0), ("hevc", ".mp4", 4.0), ("h264", ".mkv", 4.0),
])
def test_lossy_round_trip(tmp_path, codec, suffix, tolerance) -> None:
    path = write_clip(tmp_path / f"out{suffix}", WriterSettings(codec=codec, crf=12), False)
    info = probe(path)
    assert (info.frame_count, info.avg_rate, info.codec) == (12, CLIP.fps, codec)
    assert (info.width, info.height, info.pix_fmt) == (160, 96, "yuv420p")
    assert (info.colour_matrix, info.colour_range) == ("bt709", "limited")
    with VideoSource(path) as src:
        for i in (0, 5, 11):
            err = np.abs(src.read(i).astype(int) - CLIP.frame(i)).mean()
            assert err < tolerance, (i, err)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("codec,suffix,alpha_tol,rgb_tol", [
    ("prores4444", ".mov", 1, 3.0), ("vp9", ".webm", 2, 4.0),
])
def test_alpha_survives(tmp_path, codec, suffix, alpha_tol, rgb_tol) -> None:
    path = write_clip(tmp_path / f"out{suffix}", WriterSettings(codec=codec, alpha=True), True)
    info = probe(path)
    assert info.has_alpha and info.frame_count == 12
    with VideoSource(path) as src:
        for i in (0, 7):
            rgba = src.read_rgba(i)
            assert np.abs(rgba[..., 3].astype(int) - CLIP.alpha(i)).max() <= alpha_tol + 40
            assert np.abs(rgba[..., 3].astype(int) - CLIP.alpha(i)).mean() <= alpha_tol
            assert np.abs(rgba[..., :3].astype(int) - CLIP.frame(i)).mean() < rgb_tol


def test_ffv1_is_lossless_with_and_without_alpha(tmp_path) -> None:
    rgba = write_clip(tmp_path / "a.mkv", WriterSettings(codec="ffv1", alpha=True), True)
    rgb = write_clip(tmp_path / "b.mkv", WriterSettings(codec="ffv1"), False)
    with VideoSource(rgba) as a, VideoSource(rgb) as b:
        for i in range(12):
            np.testing.assert_array_equal(a.read_rgba(i), CLIP.frame_rgba(i))
            np.testing.assert_array_equal(b.read(i), CLIP.frame(i))


def test_png_sequence_is_exact(tmp_path) -> None:
    out = write_clip(tmp_path / "seq", WriterSettings(codec="png", alpha=True), True)
    assert sorted(p.name for p in out.iterdir())[:2] == ["00000.png", "00001.png"]
    with open_source(out) as src:
        assert len(src) == 12
        for i in (0, 11):
            np.testing.assert_array_equal(src.read_rgba(i), CLIP.frame_rgba(i))
    # writing again replaces the folder atomically
    write_clip(tmp_path / "seq", WriterSettings(codec="png"), False)
    assert len(list(out.iterdir())) == 12 and leftovers(tmp_path) == []


def test_rgba_into_codec_without_alpha_is_composited_over_black(tmp_path) -> None:
    path = write_clip(tmp_path / "o.mkv", WriterSettings(codec="ffv1"), True)
    with VideoSource(path) as src:
        frame = src.read(2).astype(int)
    a = CLIP.alpha(2)[..., None].astype(int)
    expected = (CLIP.frame(2).astype(int) * a + 127) // 255
    np.testing.assert_array_equal(frame, expected)


def test_failure_inside_with_leaves_nothing_under_the_final_name(tmp_path) -> None:
    final = tmp_path / "out.mp4"
    with pytest.raises(RuntimeError, match="boom"):
        with VideoWriter(final, WriterSettings(), 160, 96, CLIP.fps) as w:
            for i in range(6):
                w.write(CLIP.frame(i))
            raise RuntimeError("boom")
    assert not final.exists() and leftovers(tmp_path) == []
    # an existing file under the final name is left untouched by a failed export
    final.write_bytes(b"previous export")
    with pytest.raises(RuntimeError):
        with VideoWriter(final, WriterSettings(), 160, 96, CLIP.fps) as w:
            w.write(CLIP.frame(0))
            raise RuntimeError("boom")
    assert final.read_bytes() == b"previous export" and leftovers(tmp_path) == []


def test_disk_full_is_a_user_error_naming_the_file(tmp_path, monkeypatch) -> None:
    final = tmp_path / "out.mp4"
    w = VideoWriter(final, WriterSettings(), 160, 96, CLIP.fps)
    w.write(CLIP.frame(0))

    def full(frame):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(w._sink, "write", full)
    with pytest.raises(DiskFullError) as info:
        w.write(CLIP.frame(1))
    assert str(final) in str(info.value) and info.value.user_error
    assert not final.exists() and leftovers(tmp_path) == []


@pytest.mark.parametrize("name,settings,size,match", [
    ("o.mp4", WriterSettings(codec="prores4444"), (160, 96), r"needs a \.mov"),
    ("o.mp4", WriterSettings(codec="h264"), (161, 96), "even frame size"),
    ("o.mp4", WriterSettings(codec="h264", alpha=True), (160, 96), "transparency"),
    ("o.mp4", WriterSettings(codec="nope"), (160, 96), "unknown output codec"),
])
def test_settings_errors(tmp_path, name, settings, size, match) -> None:
    with pytest.raises(OutputSettingsError, match=match):
        VideoWriter(tmp_path / name, settings, *size, CLIP.fps)
    assert list(tmp_path.iterdir()) == []


def test_wrong_frame_size_is_rejected(tmp_path) -> None:
    with VideoWriter(tmp_path / "o.mkv", WriterSettings(codec="ffv1"), 160, 96, CLIP.fps) as w:
        with pytest.raises(ValueError, match="160×96"):
            w.write(np.zeros((96, 100, 3), np.uint8))
        w.write(CLIP.frame(0))
    assert probe(tmp_path / "o.mkv").frame_count == 1
