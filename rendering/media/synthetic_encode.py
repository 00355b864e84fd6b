"""Encode a :class:`rendering.synthetic.SyntheticClip` into a media file with test options.

Unlike :mod:`rendering.media.writer` (export: the source's timing, BT.709), this gives tests
control over the stream's structure: B-frames, GOP length, VFR timestamps, rotation metadata,
colour matrix and range, bit depth and alpha.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import av
import numpy as np

from rendering.timebase import FrameTimes

if TYPE_CHECKING:
    from rendering.synthetic import SyntheticClip

ENCODERS = {"h264": "libx264", "hevc": "libx265", "vp9": "libvpx-vp9", "ffv1": "ffv1",
            "prores4444": "prores_ks", "mpeg4": "mpeg4"}
# AVColorSpace / swscale matrix ids
MATRICES = {"bt709": (1, "ITU709"), "bt601": (6, "ITU601")}
RANGES = {"limited": (1, "MPEG"), "full": (2, "JPEG")}


def _video_options(codec: str, gop_frames: int, bframes: int, crf: int) -> dict[str, str]:
    if codec in ("h264", "hevc"):
        opts = {"crf": str(crf), "preset": "veryfast", "g": str(gop_frames),
                "keyint_min": str(gop_frames), "sc_threshold": "0", "bf": str(bframes)}
        if codec == "hevc":
            opts["x265-params"] = f"log-level=error:bframes={bframes}:scenecut=0"
        return opts
    if codec == "vp9":
        return {"crf": str(crf), "b": "0", "deadline": "realtime", "cpu-used": "8",
                "g": str(gop_frames)}
    if codec == "prores4444":
        return {"profile": "4444"}
    if codec == "mpeg4":
        return {"g": str(gop_frames), "bf": str(bframes), "qscale": "3"}
    return {}


def write_clip(clip: SyntheticClip, path: Path, codec: str = "h264", *,
               with_audio: bool = True, gop_frames: int = 48, bframes: int = 2,
               vfr: bool = False, times: Sequence[Fraction] | None = None,
               audio_onset_s: Fraction | None = None, rotation_deg: int = 0,
               pix_fmt: str | None = None, colorspace: str = "bt709",
               color_range: str = "limited", alpha: bool = False, crf: int = 14) -> Path:
    """Encode ``clip`` into ``path`` (container from the suffix) and return ``path``.

    Args:
        codec: ``h264``, ``hevc``, ``vp9``, ``ffv1``, ``prores4444`` or ``mpeg4``.
        with_audio: add the clip's 440 Hz tone (AAC; Opus in WebM).
        gop_frames, bframes: keyframe interval and B-frames (h264/hevc/mpeg4).
        vfr: stamp frames at :meth:`SyntheticClip.vfr_times` instead of ``i / fps``.
        times: stamp frame ``i`` at ``times[i]`` seconds (one per frame, from 0, increasing;
            the last frame lasts as long as the one before it); overrides ``vfr``.
        audio_onset_s: the tone is silent before this time (a marker of time).
        rotation_deg: display-matrix rotation, counter-clockwise degrees (90, 180, 270). The
            coded picture is the frame rotated the other way, so a reader that applies the
            rotation gets :meth:`SyntheticClip.frame` back (size swapped for 90/270).
        pix_fmt: coded pixel format (default yuv420p; e.g. yuv420p10le, yuva420p).
        colorspace, color_range: YUV matrix (``bt709``/``bt601``) and range
            (``limited``/``full``) used for the conversion and tagged on the stream.
        alpha: encode :meth:`SyntheticClip.frame_rgba` (needs an alpha ``pix_fmt``).
        crf: quality for h264/hevc/vp9 (lower = closer to the source).
    """
    k = (rotation_deg // 90) % 4
    coded_w, coded_h = (clip.height, clip.width) if k % 2 else (clip.width, clip.height)
    pix_fmt = pix_fmt or ("yuva420p" if alpha else "yuv420p")
    matrix, sws_matrix = MATRICES[colorspace]
    rng, sws_range = RANGES[color_range]
    timing = _timing(clip, vfr, times)
    time_base = timing.time_base() if times is not None else 1 / (2 * Fraction(clip.fps))
    with av.open(str(path), mode="w") as out:
        vs = out.add_stream(ENCODERS[codec], rate=clip.fps,
                            options=_video_options(codec, gop_frames, bframes, crf))
        vs.width, vs.height, vs.pix_fmt = coded_w, coded_h, pix_fmt
        cc = vs.codec_context
        cc.time_base = time_base
        cc.colorspace, cc.color_range, cc.color_primaries, cc.color_trc = matrix, rng, 1, 1
        if k:
            vs.set_display_rotation(rotation_deg)
        encoder = "libopus" if path.suffix == ".webm" else "aac"
        audio = _AudioTone(out, clip, encoder, timing.end_s, audio_onset_s) \
            if with_audio else None
        for i, t in enumerate(timing.starts_s):
            img = clip.frame_rgba(i) if alpha else clip.frame(i)
            img = np.ascontiguousarray(np.rot90(img, k=-k))
            vf = av.VideoFrame.from_ndarray(img, format="rgba" if alpha else "rgb24")
            vf = vf.reformat(format=pix_fmt, dst_colorspace=sws_matrix, dst_color_range=sws_range)
            vf.pts = round(t / time_base)
            vf.time_base = time_base
            vf.color_range = rng
            out.mux(vs.encode(vf))
            if audio is not None:
                audio.feed_until(t)
        out.mux(vs.encode(None))
        if audio is not None:
            audio.finish()
    return path


def _timing(clip: SyntheticClip, vfr: bool, times: Sequence[Fraction] | None) -> FrameTimes:
    if times is not None:
        if len(times) != clip.num_frames or len(times) < 2:
            raise ValueError(f"{len(times)} frame times for {clip.num_frames} frames")
        return FrameTimes(tuple(Fraction(t) for t in times), 2 * times[-1] - times[-2])
    if vfr:
        return FrameTimes(tuple(clip.vfr_times()), clip.vfr_duration_s())
    return FrameTimes(tuple(Fraction(i) / clip.fps for i in range(clip.num_frames)),
                      clip.duration_s)


class _AudioTone:
    """Encodes the clip's tone progressively so the file is interleaved."""

    def __init__(self, out: av.container.OutputContainer, clip: SyntheticClip,
                 encoder: str, duration_s: Fraction, onset_s: Fraction | None) -> None:
        self.clip = clip
        self.stream = out.add_stream(encoder, rate=clip.audio_rate_hz,
                                     layout="stereo" if clip.audio_channels == 2 else "mono")
        fmt = "fltp" if encoder == "aac" else "flt"
        self.stream.format = fmt
        self.fmt = fmt
        self.out = out
        self.samples = clip.audio(duration_s, onset_s)
        self.sent = 0

    def _send(self, upto: int) -> None:
        size = self.stream.codec_context.frame_size or 960
        while self.sent + size <= upto or (self.sent < upto and upto == len(self.samples[0])):
            chunk = self.samples[:, self.sent : min(upto, self.sent + size)]
            data = chunk if self.fmt == "fltp" else chunk.T.reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=self.fmt,
                                               layout=self.stream.layout.name)
            frame.sample_rate = self.clip.audio_rate_hz
            frame.pts = self.sent
            frame.time_base = Fraction(1, self.clip.audio_rate_hz)
            self.sent += chunk.shape[1]
            self.out.mux(self.stream.encode(frame))

    def feed_until(self, t: Fraction) -> None:
        self._send(min(len(self.samples[0]), round(t * self.clip.audio_rate_hz)))

    def finish(self) -> None:
        self._send(len(self.samples[0]))
        self.out.mux(self.stream.encode(None))
