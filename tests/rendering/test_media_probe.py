"""probe(): exact properties of synthetic clips and of the shared real clip; bad input."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from rendering.errors import MediaError
from rendering.media import VideoSource, probe
from rendering.synthetic import SyntheticClip

NTSC = Fraction(30000, 1001)
CLIP = SyntheticClip(width=96, height=64, num_frames=40, fps=NTSC)


def test_probe_synthetic_clip(tmp_path) -> None:
    info = probe(CLIP.write(tmp_path / "c.mp4", gop_frames=32))
    assert (info.frame_count, info.avg_rate, info.duration_s) == (40, NTSC, Fraction(40) / NTSC)
    assert (info.width, info.height, info.codec, info.pix_fmt) == (96, 64, "h264", "yuv420p")
    assert not info.is_vfr and info.rotation_deg == 0 and not info.has_alpha
    (audio,) = info.audio
    assert (audio.sample_rate_hz, audio.channels, audio.codec) == (48000, 2, "aac")
    assert abs(audio.duration_s - CLIP.duration_s) < Fraction(1024, 48000)
    data = json.loads(json.dumps(info.to_json()))
    assert data["avg_rate"] == "30000/1001" and data["frame_count"] == 40


def test_probe_counts_frames_when_the_container_has_no_count(tmp_path) -> None:
    path = CLIP.write(tmp_path / "c.webm", codec="vp9")
    with av.open(str(path)) as c:
        assert c.streams.video[0].frames == 0  # WebM stores no frame count
    info = probe(path)
    assert info.frame_count == 40 and info.avg_rate == NTSC
    assert info.audio[0].codec == "opus" and info.audio[0].duration_s is not None


def _audio_only(path: Path) -> Path:
    with av.open(str(path), "w") as out:
        s = out.add_stream("aac", rate=48000, layout="stereo")
        frame = av.AudioFrame.from_ndarray(np.zeros((2, 1024), np.float32), format="fltp",
                                           layout="stereo")
        frame.sample_rate, frame.pts = 48000, 0
        out.mux(s.encode(frame))
        out.mux(s.encode(None))
    return path


def _zero_frames(path: Path) -> Path:
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        out.start_encoding()
    return path


@pytest.mark.parametrize("kind,match", [
    ("missing", "not found"),
    ("text", "not a video"),
    ("empty", "not a video|empty"),
    ("truncated", "truncated"),
    ("truncated_faststart", "truncated"),
    ("audio_only", "audio file"),
    ("zero_frames", "no video stream|no frames|empty"),
])
def test_bad_input_is_a_user_error_naming_the_file(tmp_path, kind, match) -> None:
    path = make_bad_input(tmp_path, kind)
    with pytest.raises(MediaError, match=match) as info:
        probe(path)
    assert str(path) in str(info.value) and type(info.value).user_error
    assert "\n" not in str(info.value)
    with pytest.raises(MediaError):
        VideoSource(path)


def make_bad_input(tmp_path: Path, kind: str) -> Path:
    """One bad file per kind (shared with the CLI tests)."""
    if kind == "missing":
        return tmp_path / "nope.mp4"
    if kind == "text":
        path = tmp_path / "notes.mp4"
        path.write_text("this is not a video\n" * 50)
        return path
    if kind == "empty":
        path = tmp_path / "empty.mp4"
        path.write_bytes(b"")
        return path
    if kind in ("truncated", "truncated_faststart"):
        from rendering.media import VideoWriter, WriterSettings

        full = tmp_path / "full.mp4"
        if kind == "truncated":
            CLIP.write(full, with_audio=False)  # index (moov) at the end: it is cut off
        else:  # index first (+faststart): the frames are cut off
            with VideoWriter(full, WriterSettings(), CLIP.width, CLIP.height, CLIP.fps) as w:
                for i in range(CLIP.num_frames):
                    w.write(CLIP.frame(i))
        data = full.read_bytes()
        path = tmp_path / f"{kind}.mp4"
        path.write_bytes(data[: len(data) // 2])
        return path
    if kind == "audio_only":
        return _audio_only(tmp_path / "sound.m4a")
    if kind == "zero_frames":
        return _zero_frames(tmp_path / "zero.mkv")
    raise ValueError(kind)


def test_dog_clip(clips_dir: Path) -> None:
    path = clips_dir / "sam2-gallery_01_dog" / "01_dog.mp4"
    info = probe(path)
    assert (info.frame_count, info.avg_rate) == (289, NTSC)
    assert (info.width, info.height) == (1280, 720)
    (audio,) = info.audio
    assert (audio.sample_rate_hz, audio.channels) == (48000, 2)
    with VideoSource(path) as src:
        assert src.index.keyframes == (0, 250)
        sequential = {i: f for i, f in src.iter_frames(240, 256)}
        # reverse steps across the keyframe at 250, then far jumps: all equal sequential
        for i in (255, 252, 250, 249, 245, 241):
            np.testing.assert_array_equal(src.read(i), sequential[i])
        # stepping back from 249 decoded the GOP 0..249 once, not once per frame
        assert src.stats.frames_decoded < 250 + 20 + 10


@pytest.mark.parametrize("fps", [Fraction(60000, 1001), Fraction(30000, 1001), Fraction(25),
                                 Fraction(5400, 179)])
def test_rate_is_exact_in_millisecond_containers(tmp_path, fps) -> None:
    """Matroska stores 1 ms timestamps; the exact rate must still come back."""
    from rendering.media import VideoWriter, WriterSettings

    path = tmp_path / "c.mkv"
    with VideoWriter(path, WriterSettings(codec="ffv1"), 32, 32, fps) as w:
        for _ in range(40):
            w.write(np.zeros((32, 32, 3), np.uint8))
    info = probe(path)
    assert (info.avg_rate, info.frame_count, info.is_vfr) == (fps, 40, False)
