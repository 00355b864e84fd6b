"""Audio for exports: copy (passthrough) or re-encode a time range of a source's audio.

:class:`AudioSpec` says which audio goes with an export: the source file and the range
``[start_s, end_s)`` in seconds on the *source video's* timeline (0 = presentation time of the
source's video frame 0). The sample at ``start_s`` lands at output time 0, which is where the
output's video frame 0 is, so audio and video stay in sync.

The writer drives an :class:`AudioTrack` (made by :func:`open_audio_track`): ``feed_until(t)``
muxes audio up to output time ``t`` (called as video frames are written, so the file is
interleaved) and ``finish()`` writes the rest and flushes the encoder.

Passthrough (stream copy) happens when the output container accepts the source codec and the
range covers the whole source (from its first sample to the end of the source video or the
audio, whichever comes first, within one audio frame); otherwise the range is decoded,
resampled, trimmed sample-exactly and re-encoded to AAC (Opus for WebM).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from rendering.errors import MediaError

log = logging.getLogger(__name__)

AAC_BITRATE_BPS = 192_000
OPUS_BITRATE_BPS = 160_000
DEFAULT_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 5: "5.0", 6: "5.1",
                   7: "6.1", 8: "7.1"}
DEFAULT_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 5: "5.0", 6: "5.1",
                   7: "6.1", 8: "7.1"}


@dataclass(frozen=True)
class AudioSpec:
    """Which audio to put in an export.

    Attributes:
        source_path: file whose audio is used (usually the source video).
        start_s: range start in seconds on the source video's timeline (0 = video frame 0);
            for frame ``i`` use ``source.frame_time(i)`` (exact for VFR too).
        end_s: range end (exclusive) in seconds; ``None`` for the end of the audio. For an
            export of frames ``[a, b)`` of a CFR source: ``b / fps``.
        stream_index: which audio stream of the source (0 = first audio stream).
        allow_copy: set False to always re-encode.
    """

    source_path: Path | str
    start_s: Fraction = Fraction(0)
    end_s: Fraction | None = None
    stream_index: int = 0
    allow_copy: bool = True


class AudioTrack:
    """Base of the two strategies; ``feed_until``/``finish`` mux into the output container."""

    mode = "none"

    def feed_until(self, t_s: Fraction) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def finish(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError


def _video_start_s(container: av.container.InputContainer) -> Fraction:
    """Presentation time of the first video frame (0 when there is no video stream)."""
    for vs in container.streams.video:
        if vs.start_time is not None and vs.time_base is not None:
            return vs.start_time * vs.time_base
    return Fraction(0)


def _video_duration_s(container: av.container.InputContainer) -> Fraction | None:
    for vs in container.streams.video:
        if vs.duration is not None and vs.time_base is not None:
            return vs.duration * vs.time_base
    return None


def open_audio_track(spec: AudioSpec, output: av.container.OutputContainer, encoder: str,
                     bitrate_bps: int | None = None) -> AudioTrack | None:
    """Add the audio stream for ``spec`` to ``output`` (before its header is written).

    ``encoder`` and ``bitrate_bps`` (None = codec default) are used when re-encoding.

    Returns ``None`` (with a log line) when the source has no audio stream. Raises
    ``MediaError`` when the source file cannot be opened.
    """
    path = Path(spec.source_path)
    try:
        src = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"{path}: cannot read the audio ({exc}) — check the file") from exc
    if len(src.streams.audio) <= spec.stream_index:
        src.close()
        log.info("%s has no audio stream %d; exporting without audio", path, spec.stream_index)
        return None
    stream = src.streams.audio[spec.stream_index]
    v0 = _video_start_s(src)
    if spec.allow_copy and _covers_whole_stream(spec, src, stream, v0) and (
        stream.codec_context.name in output.supported_codecs
    ):
        return _CopyTrack(src, stream, output, v0)
    return _TranscodeTrack(src, stream, output, encoder, spec, v0, bitrate_bps)


def _covers_whole_stream(spec: AudioSpec, src, stream, v0: Fraction) -> bool:
    tb = stream.time_base
    a_start = (stream.start_time or 0) * tb - v0
    a_end = a_start + stream.duration * tb if stream.duration is not None else None
    rate = stream.codec_context.sample_rate or 48000
    slack = Fraction(stream.codec_context.frame_size or 1024, rate)
    if spec.start_s > a_start + slack:
        return False
    if spec.end_s is None:
        return True
    ends = [e for e in (a_end, _video_duration_s(src)) if e is not None]
    return bool(ends) and spec.end_s >= min(ends) - slack


class _CopyTrack(AudioTrack):
    """Stream copy: packets are moved as they are, timestamps shifted so that the source
    video's frame 0 is output time 0."""

    mode = "copy"

    def __init__(self, src, stream, output, v0: Fraction) -> None:
        self._src = src
        self._stream = stream
        self._out = output.add_stream_from_template(stream)
        self._shift = round(v0 / stream.time_base)
        self._packets = src.demux(stream)
        self._pending = None
        self._done = False

    def _mux(self, packet) -> None:
        if packet.pts is not None:
            packet.pts -= self._shift
        if packet.dts is not None:
            packet.dts -= self._shift
        packet.stream = self._out
        self._out.container.mux(packet)

    def feed_until(self, t_s: Fraction) -> None:
        tb = self._stream.time_base
        while not self._done:
            packet = self._pending or next(self._packets, None)
            self._pending = None
            if packet is None:
                self._done = True
                break
            if packet.dts is None and packet.size == 0:
                continue  # demuxer flush packet
            if packet.pts is not None and (packet.pts - self._shift) * tb > t_s:
                self._pending = packet
                break
            self._mux(packet)

    def finish(self) -> None:
        self.feed_until(Fraction(10**12))

    def close(self) -> None:
        self._src.close()


class _TranscodeTrack(AudioTrack):
    """Decode -> resample to planar float -> trim to the range (sample exact) -> encode."""

    mode = "encode"

    def __init__(self, src, stream, output, encoder: str, spec: AudioSpec, v0: Fraction,
                 bitrate_bps: int | None) -> None:
        self._src = src
        self._stream = stream
        cc = stream.codec_context
        codec = av.codec.Codec(encoder, "w")
        rates = codec.audio_rates or ()
        self.rate = cc.sample_rate if (not rates or cc.sample_rate in rates) else 48000
        # the encoder's default layout for the channel count (WAV often has an unnamed one)
        channels = cc.layout.nb_channels if encoder == "aac" else min(2, cc.layout.nb_channels)
        layout = DEFAULT_LAYOUTS.get(channels, cc.layout.name)
        bitrate = bitrate_bps or (OPUS_BITRATE_BPS if "opus" in encoder else AAC_BITRATE_BPS)
        self._out = output.add_stream(encoder, rate=self.rate, layout=layout)
        self._out.bit_rate = bitrate
        enc_fmt = codec.audio_formats[0].name if codec.audio_formats else "fltp"
        self._out.format = enc_fmt
        self._to_fltp = av.AudioResampler(format="fltp", layout=layout, rate=self.rate)
        self._to_enc = av.AudioResampler(format=enc_fmt, layout=layout, rate=self.rate)
        self._fifo = av.AudioFifo()
        self._layout = layout
        self._t0 = v0 + spec.start_s  # container time of output sample 0
        end = None if spec.end_s is None else v0 + spec.end_s
        self._total = None if end is None else max(0, round((end - self._t0) * self.rate))
        self._cursor = 0  # output samples produced (after trimming)
        self._encoded = 0  # output samples handed to the encoder
        self._chunks = self._trimmed_chunks()
        self._exhausted = False

    def _decoded(self) -> Iterator[tuple[int, np.ndarray]]:
        """(output sample index of the chunk's first sample, C×N float32) for the range."""
        tb = self._stream.time_base
        if self._t0 > 0:
            self._src.seek(max(0, int(self._t0 / tb) - 1), stream=self._stream, backward=True)
        position = None
        for frame in self._src.decode(self._stream):
            if position is None:
                start = (frame.pts * tb) if frame.pts is not None else Fraction(0)
                position = round((start - self._t0) * self.rate)
            frame.pts = None
            for out in self._to_fltp.resample(frame):
                data = out.to_ndarray()
                yield position, data
                position += data.shape[1]
        for out in self._to_fltp.resample(None):
            data = out.to_ndarray()
            yield position or 0, data
            position = (position or 0) + data.shape[1]

    def _trimmed_chunks(self) -> Iterator[np.ndarray]:
        for position, data in self._decoded():
            lo = max(0, self._cursor - position)  # skip what lies before the cursor
            if position > self._cursor:  # a gap (audio starts late): fill with silence
                gap = position - self._cursor
                if self._total is not None:
                    gap = min(gap, self._total - self._cursor)
                if gap > 0:
                    yield np.zeros((data.shape[0], gap), np.float32)
            hi = data.shape[1]
            if self._total is not None:
                hi = min(hi, self._total - position)
            if hi > lo:
                yield data[:, lo:hi]
            if self._total is not None and self._cursor >= self._total:
                return

    def _push(self, data: np.ndarray) -> None:
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format="fltp",
                                           layout=self._layout)
        frame.sample_rate = self.rate
        self._cursor += data.shape[1]
        for out in self._to_enc.resample(frame):
            out.pts = None
            self._fifo.write(out)
        self._drain(partial=False)

    def _drain(self, partial: bool) -> None:
        size = self._out.codec_context.frame_size or 1024
        while self._fifo.samples >= size or (partial and self._fifo.samples > 0):
            frame = self._fifo.read(size, partial=partial)
            if frame is None:
                break
            frame.pts = self._encoded
            frame.time_base = Fraction(1, self.rate)
            self._encoded += frame.samples
            self._out.container.mux(self._out.encode(frame))

    def feed_until(self, t_s: Fraction) -> None:
        target = round(t_s * self.rate)
        while not self._exhausted and self._cursor < target:
            chunk = next(self._chunks, None)
            if chunk is None:
                self._exhausted = True
                break
            self._push(chunk)

    def finish(self) -> None:
        self.feed_until(Fraction(10**12))
        for out in self._to_enc.resample(None):
            out.pts = None
            self._fifo.write(out)
        self._drain(partial=True)
        self._out.container.mux(self._out.encode(None))

    def close(self) -> None:
        self._src.close()
