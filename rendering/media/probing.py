"""``probe(path) -> MediaInfo``: exact properties of a video file, image folder or image.

Frame counts come from demuxing every packet (fast, no decoding), so they are exact even when
the header has none (WebM) or a wrong one; the first frame is decoded to learn the real pixel
format, colour tags and rotation, and to prove the stream decodes.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av

from rendering.errors import MediaError
from rendering.media.colour import colour_rule, pix_fmt_bit_depth, pix_fmt_has_alpha
from rendering.media.decoding import make_decoder, open_container, seek_to, video_stream
from rendering.media.info import AudioStreamInfo, MediaInfo
from rendering.media.packet_index import PacketIndex, scan_packets

DEFAULT_IMAGE_FPS = Fraction(30)
STANDARD_RATES = tuple(Fraction(r) for r in (
    "24000/1001", "24", "25", "30000/1001", "30", "48", "50", "60000/1001", "60", "90", "100",
    "120000/1001", "120", "240"))


def probe(path: Path | str, fps: Fraction | str | None = None) -> MediaInfo:
    """Probe a video file, an image folder (``00000.jpg``...) or a single image.

    Args:
        path: the media path.
        fps: frame rate for image folders/images (default 30); ignored for videos.
    Raises:
        MediaError: missing file, not a video, audio-only, damaged/truncated, no frames.
    """
    path = Path(path)
    from rendering.media.image_sources import IMAGE_SUFFIXES, probe_images

    if path.is_dir() or (path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()):
        return probe_images(path, fps)
    container = open_container(path)
    with container:
        stream = video_stream(container, path)
        info, _ = inspect_video(container, stream, make_decoder(stream), path)
    return info


def first_frame(container: av.container.InputContainer, stream: av.video.VideoStream,
                decoder: av.CodecContext, index: PacketIndex, path: Path) -> av.VideoFrame:
    """Decode the first frame (used for its format, colour tags and rotation)."""
    seek_to(container, stream, decoder, index.table.pts[index.keyframes[0]]
            if index.keyframes else index.table.pts[0])
    try:
        for packet in container.demux(stream):
            for frame in decoder.decode(packet):
                return frame
    except av.error.FFmpegError as exc:
        raise MediaError(f"{path}: the video cannot be decoded ({exc}) — the file is damaged"
                         ) from exc
    raise MediaError(f"{path}: no frame of the video could be decoded — the file is damaged")


def inspect_video(container: av.container.InputContainer, stream: av.video.VideoStream,
                  decoder: av.CodecContext, path: Path) -> tuple[MediaInfo, PacketIndex]:
    """Index ``stream``'s packets, decode its first frame and describe it.

    Leaves the container positioned after the first frame (seek before decoding more).
    """
    index = scan_packets(container, stream, path)
    if len(index) == 0:
        raise MediaError(f"{path}: the video has no frames — open another file")
    # a few missing samples are tolerated (odd muxers); a cut-off file misses many
    if stream.frames and index.packets_read + max(1, stream.frames // 100) <= stream.frames:
        raise MediaError(f"{path}: the file is truncated (only {index.packets_read} of "
                         f"{stream.frames} frames present) — re-export or re-download it")
    audio = _audio_streams(container, path)
    frame = first_frame(container, stream, decoder, index, path)
    rotation = round(frame.rotation / 90) * 90 % 360 if frame.rotation else 0
    pix_fmt = frame.format.name
    rule = colour_rule(frame.colorspace, frame.color_range, pix_fmt, frame.height)
    matrix, rng = rule.description
    is_vfr = index.table.is_variable_rate()
    rate = _average_rate(stream, index, is_vfr)
    duration = index.duration_s() if is_vfr else Fraction(len(index)) / rate
    swap = rotation in (90, 270)
    info = MediaInfo(
        path=str(path), kind="video", container=container.format.name,
        codec=stream.codec_context.name, frame_count=len(index), avg_rate=rate,
        duration_s=duration,
        width=frame.height if swap else frame.width, height=frame.width if swap else frame.height,
        coded_width=frame.width, coded_height=frame.height, rotation_deg=rotation,
        pix_fmt=pix_fmt, bit_depth=pix_fmt_bit_depth(pix_fmt),
        has_alpha=pix_fmt_has_alpha(pix_fmt), colour_matrix=matrix, colour_range=rng,
        is_vfr=is_vfr, audio=audio, size_bytes=path.stat().st_size,
    )
    return info, index


def _average_rate(stream: av.video.VideoStream, index: PacketIndex, is_vfr: bool) -> Fraction:
    """Exact frame rate: a header or standard rate that the timestamps confirm, else measured.

    A candidate is confirmed when it is within the timestamp rounding (1.5 ticks over the
    clip's span) of the measured rate. Standard header rates win, then other standard rates
    (so 1 ms WebM stamps of 59.94 fps read as 60000/1001, not FFmpeg's 19001/317), then header
    rates with small denominators, then any header rate. For VFR the average ``frame_count / duration`` is returned.
    """
    n = len(index)
    if is_vfr:
        return (Fraction(n) / index.duration_s()).limit_denominator(1001)
    span = index.table.seconds(n - 1) if n > 1 else Fraction(0)
    if span <= 0:
        return Fraction(stream.average_rate or stream.guessed_rate or DEFAULT_IMAGE_FPS)
    measured = Fraction(n - 1) / span
    tolerance = measured * Fraction(3, 2) * index.table.time_base / span
    header = [Fraction(c) for c in (stream.average_rate, stream.guessed_rate, stream.base_rate)
              if c]
    ordered = [c for c in header if c in STANDARD_RATES] + list(STANDARD_RATES) + \
        [c for c in header if c.denominator <= 1001] + header
    for candidate in ordered:
        if abs(candidate - measured) <= tolerance:
            return candidate
    return measured.limit_denominator(1001)


def _audio_streams(container: av.container.InputContainer, path: Path
                   ) -> tuple[AudioStreamInfo, ...]:
    v0 = Fraction(0)
    for vs in container.streams.video:
        if vs.start_time is not None:
            v0 = vs.start_time * vs.time_base
            break
    out = []
    for i, stream in enumerate(container.streams.audio):
        cc = stream.codec_context
        tb = stream.time_base
        start = (stream.start_time or 0) * tb
        duration = stream.duration * tb if stream.duration is not None else None
        if duration is None:
            duration = _scan_audio_duration(container, stream, path)
        out.append(AudioStreamInfo(
            index=i, codec=cc.name, sample_rate_hz=cc.sample_rate,
            channels=cc.layout.nb_channels, channel_layout=cc.layout.name,
            duration_s=duration, start_s=start - v0))
    return tuple(out)


def _scan_audio_duration(container, stream, path: Path) -> Fraction | None:
    """Duration from the audio packets' timestamps (for containers without one, e.g. WebM)."""
    first = end = None
    try:
        container.seek(0)
        for packet in container.demux(stream):
            if packet.pts is None or packet.size == 0:
                continue
            first = packet.pts if first is None else min(first, packet.pts)
            end = max(end or packet.pts, packet.pts + (packet.duration or 0))
    except av.error.FFmpegError as exc:
        raise MediaError(f"{path}: the audio is damaged ({exc})") from exc
    if first is None:
        return None
    return (end - first) * stream.time_base
