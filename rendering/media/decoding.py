"""Shared PyAV decoding helpers: open a file, pick the video stream and its decoder, seek."""

from __future__ import annotations

from pathlib import Path

import av

from rendering.errors import MediaError


def open_container(path: Path) -> av.container.InputContainer:
    """Open a media file for reading; ``MediaError`` naming the file when that fails."""
    if not path.exists():
        raise MediaError(f"{path}: file not found — check the path")
    if path.is_dir():
        raise MediaError(f"{path}: is a folder, not a video file")
    try:
        return av.open(str(path), mode="r")
    except av.error.EOFError as exc:
        raise MediaError(f"{path}: the file is empty or truncated — re-export or re-download "
                         "it") from exc
    except av.error.InvalidDataError as exc:
        raise MediaError(f"{path}: not a video, or the file is damaged/truncated — open a "
                         "video file (mp4, mov, mkv, webm...)") from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"{path}: cannot open the file ({exc})") from exc


def video_stream(container: av.container.InputContainer, path: Path) -> av.video.VideoStream:
    """The first real video stream (cover-art pictures are skipped)."""
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    if container.streams.audio:
        raise MediaError(f"{path}: is an audio file (no video stream) — open a video")
    raise MediaError(f"{path}: not a video (no video stream) — open a video file")


def stream_has_alpha_side_channel(stream: av.video.VideoStream) -> bool:
    """True for VP8/VP9 in WebM/Matroska carrying alpha in block additions."""
    return stream.codec_context.name in ("vp8", "vp9") and \
        stream.metadata.get("alpha_mode", "0") == "1"


def make_decoder(stream: av.video.VideoStream, threads: bool = True) -> av.CodecContext:
    """The decoder for ``stream``.

    VP8/VP9 with alpha get libvpx (FFmpeg's native vp8/vp9 decoders drop the alpha plane);
    everything else uses the stream's own codec context. Frame threading is enabled.
    """
    if stream_has_alpha_side_channel(stream):
        name = "libvpx-vp9" if stream.codec_context.name == "vp9" else "libvpx"
        ctx = av.CodecContext.create(name, "r")
        if stream.codec_context.extradata:
            ctx.extradata = stream.codec_context.extradata
    else:
        ctx = stream.codec_context
    if threads:
        ctx.thread_type = "AUTO"
    return ctx


def seek_to(container: av.container.InputContainer, stream: av.video.VideoStream,
            decoder: av.CodecContext, pts: int) -> None:
    """Seek so that decoding restarts at the keyframe at or before ``pts``; flushes
    ``decoder`` (the container only flushes its streams' own contexts)."""
    container.seek(pts, stream=stream, backward=True, any_frame=False)
    decoder.flush_buffers()
