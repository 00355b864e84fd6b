"""Audio in exports: passthrough, trimmed re-encode, duration and A/V sync."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from rendering.media import AudioSpec, VideoWriter, WriterSettings, probe
from rendering.synthetic import SyntheticClip

CLIP = SyntheticClip(width=64, height=48, num_frames=90, fps=Fraction(30))
RATE = 48000


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return CLIP.write(tmp_path_factory.mktemp("audio") / "src.mp4", gop_frames=30)


@pytest.fixture(scope="module")
def onset_wav(tmp_path_factory) -> Path:
    """Mono WAV: 1.5 s of silence, then a 440 Hz tone (amplitude 0.5) until 3 s."""
    path = tmp_path_factory.mktemp("audio") / "onset.wav"
    t = np.arange(3 * RATE) / RATE
    pcm = np.where(t >= 1.5, 0.5 * np.sin(2 * np.pi * 440 * t), 0.0)
    with av.open(str(path), "w") as out:
        s = out.add_stream("pcm_s16le", rate=RATE, layout="mono")
        data = (pcm * 32767).astype(np.int16)[None, :]
        frame = av.AudioFrame.from_ndarray(data, format="s16", layout="mono")
        frame.sample_rate, frame.pts = RATE, 0
        out.mux(s.encode(frame))
        out.mux(s.encode(None))
    return path


def export(path: Path, frames: range, audio: AudioSpec, codec: str = "h264") -> VideoWriter:
    with VideoWriter(path, WriterSettings(codec=codec), CLIP.width, CLIP.height, CLIP.fps,
                     audio=audio) as w:
        for i in frames:
            w.write(CLIP.frame(i))
    return w


def decoded_audio(path: Path) -> np.ndarray:
    """C×N float32 samples of the first audio stream, as a player would output them."""
    with av.open(str(path)) as c:
        resampler = av.AudioResampler(format="fltp", rate=RATE)
        chunks = [f.to_ndarray() for frame in c.decode(audio=0) for f in resampler.resample(frame)]
        chunks += [f.to_ndarray() for f in resampler.resample(None)]
    return np.concatenate(chunks, axis=1)


def test_whole_clip_is_passed_through(tmp_path, source) -> None:
    w = export(tmp_path / "o.mp4", range(90), AudioSpec(source, Fraction(0), CLIP.duration_s))
    assert w.audio_mode == "copy"
    src, out = probe(source).audio[0], probe(tmp_path / "o.mp4").audio[0]
    assert (out.codec, out.sample_rate_hz, out.channels) == ("aac", 48000, 2)
    assert out.duration_s == src.duration_s


@pytest.mark.parametrize("codec,suffix,audio_codec", [("h264", ".mp4", "aac"),
                                                      ("vp9", ".webm", "opus")])
def test_trimmed_range_keeps_its_duration(tmp_path, source, codec, suffix, audio_codec) -> None:
    start, end = Fraction(1), Fraction(5, 2)  # frames 30..74
    w = export(tmp_path / f"o{suffix}", range(30, 75), AudioSpec(source, start, end), codec)
    assert w.audio_mode == "encode"
    info = probe(tmp_path / f"o{suffix}")
    assert info.frame_count == 45 and info.audio[0].codec == audio_codec
    samples = decoded_audio(tmp_path / f"o{suffix}")
    one_audio_frame = 1024
    assert abs(samples.shape[1] - int((end - start) * RATE)) <= one_audio_frame
    # the content is the tone, at its amplitude
    assert abs(np.sqrt(np.mean(samples[:, 4800:-4800] ** 2)) - 0.5 / np.sqrt(2)) < 0.02


def test_audio_stays_in_sync_with_the_range_start(tmp_path, onset_wav) -> None:
    # the tone starts 1.5 s into the source; exporting from 1.0 s puts it at 0.5 s
    export(tmp_path / "o.mp4", range(30), AudioSpec(onset_wav, Fraction(1), Fraction(2)))
    samples = decoded_audio(tmp_path / "o.mp4")[0]
    onset = int(np.argmax(np.abs(samples) > 0.2)) / RATE
    assert abs(onset - 0.5) < 0.004, onset
    assert abs(samples.shape[0] / RATE - 1.0) <= 1024 / RATE


def test_source_without_audio_gives_video_only(tmp_path) -> None:
    silent = CLIP.write(tmp_path / "silent.mp4", with_audio=False)
    w = export(tmp_path / "o.mp4", range(10), AudioSpec(silent, Fraction(0), Fraction(1, 3)))
    assert w.audio_mode == "none" and probe(tmp_path / "o.mp4").audio == ()
