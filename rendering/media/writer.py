"""Video writer: encode RGB(A) frames (+ audio) into a file that appears only when complete.

API (the export job builds on this)::

    from fractions import Fraction
    from rendering.media.writer import VideoWriter, WriterSettings
    from rendering.media.audio import AudioSpec

    settings = WriterSettings(codec="h264", crf=18)
    audio = AudioSpec("in.mp4", start_s=Fraction(0), end_s=Fraction(289 * 1001, 30000))
    with VideoWriter("out.mp4", settings, width=1280, height=720,
                     fps=Fraction(30000, 1001), audio=audio) as writer:
        for frame in frames:          # H×W×3 or H×W×4 uint8 RGB(A)
            writer.write(frame)
    # clean exit: encoders flushed, audio muxed, temp file renamed to out.mp4
    # exception inside the block (or writer.abort()): temp file removed, out.mp4 untouched

Codecs (``WriterSettings.codec``): ``h264`` (libx264, yuv420p, .mp4/.mov/.mkv), ``hevc``
(libx265, yuv420p, tagged hvc1 in mp4/mov), ``prores4444`` (prores_ks 4444, yuva444p10le with
alpha, .mov), ``vp9`` (libvpx-vp9, yuva420p with alpha, .webm/.mkv), ``ffv1`` (lossless RGB(A),
.mkv), ``png`` (RGBA/RGB PNG sequence: the output path is a folder, no audio).

Frames: ``write`` takes H×W×3 or H×W×4 uint8 RGB(A) at exactly ``width``×``height``. For a
codec or setting without alpha, RGBA input is composited over black. YUV output uses the
BT.709 matrix, limited range, and the streams are tagged BT.709 (primaries, transfer, matrix).
Timing: frame ``i`` is stamped at ``i / fps`` seconds (constant frame rate), or, when
``frame_times`` (a :class:`rendering.timebase.FrameTimes`) is given, at ``frame_times.starts_s[i]``
with its duration up to the next frame (variable frame rate: MP4/MOV/MKV/WebM carry it; the
time base is the coarsest that stamps every time exactly, up to 1/90000 s, and Matroska/WebM
round to their 1 ms tick). ``fps`` is then the nominal (average) rate. PNG sequences carry no
timing: image ``i`` is the ``i``-th frame written. A pipeline can split the
work: ``prepare(frame)`` (thread-safe) converts to the encoder's picture on another thread
and ``write(picture)`` only encodes; ``passthrough(decoded)`` accepts a decoded picture that
already has the encoder's format, size, matrix and range (no RGB round trip).

Audio: see :mod:`rendering.media.audio` (passthrough when possible, else AAC / Opus for WebM).

Errors: ``OutputSettingsError`` for settings that do not fit (unknown codec, suffix that does
not match the codec, odd size for 4:2:0), ``DiskFullError`` when the disk fills up,
``MediaError`` for other write failures; all name the output file.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from rendering.errors import MediaError, OutputSettingsError
from rendering.media import atomic, outputs
from rendering.media.audio import AudioSpec, AudioTrack, open_audio_track
from rendering.media.codecs import CONTAINER_FORMATS, CodecSpec, codec_spec, encoder_options
from rendering.media.colour import ColourRule, colour_rule
from rendering.media.png_sequence import PngSequenceSink
from rendering.media.yuv import rgb_to_yuv420p
from rendering.timebase import FrameTimes, seconds_to_pts

log = logging.getLogger(__name__)

#: What :meth:`VideoWriter.prepare` returns: the encoder's picture (a PNG sequence keeps arrays).
Picture = av.VideoFrame | np.ndarray

# FFmpeg enum values for BT.709 tags (AVColorPrimaries / AVColorTransferCharacteristic /
# AVColorSpace) and ranges (AVColorRange).
BT709 = 1
COLORSPACE_RGB = 0
RANGE_LIMITED = 1
RANGE_FULL = 2


@dataclass(frozen=True)
class WriterSettings:
    """Encoding settings of one output.

    Attributes:
        codec: one of ``h264, hevc, prores4444, vp9, ffv1, png``.
        crf: constant-quality value (x264/x265/libvpx scale); default per codec when neither
            ``crf`` nor ``bitrate_bps`` is given.
        bitrate_bps: target video bitrate in bits per second (used when ``crf`` is None).
        alpha: keep the alpha channel (prores4444, vp9, ffv1, png only).
        speed_preset: x264/x265 ``preset`` (e.g. ``"veryfast"``) or libvpx ``cpu-used``.
        gop_frames: keyframe interval in frames (None = encoder default).
        pix_fmt: override the encoder pixel format (expert use).
        extra_options: more FFmpeg encoder options as ``(name, value)`` pairs, merged last.
        audio_bitrate_bps: bitrate of re-encoded audio (None = 192 kb/s AAC, 160 kb/s Opus).
    """

    codec: str = "h264"
    crf: int | None = None
    bitrate_bps: int | None = None
    alpha: bool = False
    speed_preset: str | None = None
    gop_frames: int | None = None
    pix_fmt: str | None = None
    extra_options: tuple[tuple[str, str], ...] = ()
    audio_bitrate_bps: int | None = None

    @property
    def spec(self) -> CodecSpec:
        return codec_spec(self.codec)

    def output_pix_fmt(self) -> str:
        spec = self.spec
        if self.pix_fmt:
            return self.pix_fmt
        if self.alpha and spec.supports_alpha:
            return spec.alpha_pix_fmt or spec.pix_fmt
        return spec.pix_fmt

    @property
    def writes_alpha(self) -> bool:
        return self.alpha and self.spec.supports_alpha


class _AvSink:
    """One PyAV output container with a video stream and an optional audio track."""

    def __init__(self, temp: Path, final: Path, settings: WriterSettings, width: int,
                 height: int, fps: Fraction, audio: AudioSpec | None,
                 frame_times: FrameTimes | None = None) -> None:
        spec = settings.spec
        self.final = final
        self.fps = fps
        self.times = frame_times
        self._durations: dict[int, int] = {}  # pts -> duration (ticks) of VFR frames in flight
        self.pix_fmt = settings.output_pix_fmt()
        self.rgb = spec.rgb and self.pix_fmt in (spec.pix_fmt, spec.alpha_pix_fmt)
        fmt = CONTAINER_FORMATS[final.suffix.lower()]
        options = {"movflags": "+faststart"} if fmt in ("mp4", "mov") else {}
        self.container = av.open(str(temp), mode="w", format=fmt, options=options)
        # the tag that lets a later export replace this file without asking (outputs.py)
        self.container.metadata["comment"] = outputs.TAG
        opts = encoder_options(spec, settings.crf, settings.bitrate_bps, settings.speed_preset,
                               settings.gop_frames)
        opts.update(dict(settings.extra_options))
        stream = self.container.add_stream(spec.encoder, rate=fps, options=opts)
        stream.width, stream.height, stream.pix_fmt = width, height, self.pix_fmt
        if settings.bitrate_bps is not None and settings.crf is None:
            stream.bit_rate = int(settings.bitrate_bps)
        if spec.name == "hevc" and fmt in ("mp4", "mov"):
            stream.codec_tag = "hvc1"  # what Apple players require
        cc = stream.codec_context
        cc.time_base = 1 / Fraction(fps) if frame_times is None else frame_times.time_base()
        cc.color_primaries, cc.color_trc = BT709, BT709
        cc.colorspace = COLORSPACE_RGB if self.rgb else BT709
        cc.color_range = RANGE_FULL if self.rgb else RANGE_LIMITED
        self.stream = stream
        self.audio: AudioTrack | None = None
        if audio is not None:
            self.audio = open_audio_track(audio, self.container, spec.audio_encoder,
                                          settings.audio_bitrate_bps)
        self.size = (width, height)
        self._local = threading.local()
        self.count = 0

    def prepare(self, frame: np.ndarray) -> av.VideoFrame:
        """The encoder's picture of an H×W×3/4 uint8 RGB(A) C-contiguous ``frame``.

        Thread-safe: 8-bit 4:2:0 goes through :func:`rendering.media.yuv.rgb_to_yuv420p`;
        other formats through swscale with one long-lived context per thread (a new context
        per frame costs more than the conversion) over a zero-copy wrap of the array.
        """
        if self.pix_fmt == "yuv420p" and frame.shape[2] == 3:
            return rgb_to_yuv420p(frame)
        src = "rgba" if frame.shape[2] == 4 else "rgb24"
        vf = av.VideoFrame.from_numpy_buffer(frame, format=src)
        reformatter = getattr(self._local, "reformatter", None)
        if reformatter is None:
            reformatter = self._local.reformatter = VideoReformatter()
        if self.rgb:
            out = reformatter.reformat(vf, format=self.pix_fmt)
        else:
            out = reformatter.reformat(vf, format=self.pix_fmt, dst_colorspace="ITU709",
                                       dst_color_range="MPEG")
        if out is vf:  # same format: do not hand the encoder a view of the caller's array
            out = av.VideoFrame.from_ndarray(frame, format=src)
        return out

    def passthrough(self, decoded: av.VideoFrame) -> av.VideoFrame | None:
        """``decoded`` itself when it can be encoded unchanged (same pixel format and size,
        BT.709 limited range like every frame this writer makes), else None."""
        if self.rgb or decoded.format.name != self.pix_fmt or \
                (decoded.width, decoded.height) != self.size:
            return None
        if colour_rule(decoded.colorspace, decoded.color_range, decoded.format.name,
                       decoded.height) != ColourRule("ITU709", False):
            return None
        decoded.pict_type = av.video.frame.PictureType.NONE  # let x264 choose, not the source
        return decoded

    def write(self, picture: av.VideoFrame) -> None:
        picture.time_base = self.stream.codec_context.time_base
        end_s = self._stamp(picture)
        picture.color_primaries, picture.color_trc = BT709, BT709
        if not self.rgb:
            picture.colorspace, picture.color_range = BT709, RANGE_LIMITED
        self._mux(self.stream.encode(picture))
        self.count += 1
        if self.audio is not None:
            self.audio.feed_until(end_s)

    def _stamp(self, picture: av.VideoFrame) -> Fraction:
        """Set the picture's pts (and duration, for VFR); return the frame's end time (s)."""
        k = self.count
        if self.times is None:
            picture.pts = k
            return (k + 1) / Fraction(self.fps)
        if k >= len(self.times):
            raise ValueError(f"{self.final}: frame {k} written, but frame times were given for "
                             f"{len(self.times)} frames")
        tb = picture.time_base
        picture.pts = seconds_to_pts(self.times.starts_s[k], tb)
        end_pts = seconds_to_pts(self.times.end_of(k), tb)
        self._durations[picture.pts] = end_pts - picture.pts
        return self.times.end_of(k)

    def _mux(self, packets: list[av.Packet]) -> None:
        # Encoders stamp packets with 1/fps durations; a VFR frame keeps its own, so the
        # file's duration (and a player's last frame) is the source's.
        for packet in packets:
            duration = self._durations.pop(packet.pts, None)
            if duration is not None:
                packet.duration = duration
        self.container.mux(packets)

    def finish(self) -> None:
        self._mux(self.stream.encode(None))
        if self.audio is not None:
            self.audio.finish()

    def close(self) -> None:
        if self.audio is not None:
            self.audio.close()
        self.container.close()


def _validate(path: Path, settings: WriterSettings, width: int, height: int) -> None:
    spec = settings.spec
    if width <= 0 or height <= 0:
        raise OutputSettingsError(f"{path}: invalid frame size {width}×{height}")
    if spec.suffixes and path.suffix.lower() not in spec.suffixes:
        wanted = " or ".join(spec.suffixes)
        raise OutputSettingsError(
            f"{path}: {spec.name} needs a {wanted} file — change the file name's extension")
    if settings.alpha and not spec.supports_alpha:
        raise OutputSettingsError(
            f"{path}: {spec.name} cannot store transparency — use prores4444, vp9, ffv1 or png")
    if spec.chroma_subsampled and (width % 2 or height % 2):
        raise OutputSettingsError(
            f"{path}: {spec.name} needs an even frame size, got {width}×{height} — "
            "choose a scale that gives even dimensions")


class VideoWriter:
    """Context manager that writes frames to ``path`` atomically (see the module docstring).

    Args:
        path: output file (or folder for ``png``).
        settings: codec and quality.
        width, height: frame size in pixels; every written frame must match.
        fps: exact constant frame rate of the output (the nominal rate with ``frame_times``).
        audio: audio to mux (ignored for ``png``), or None.
        frame_times: times of the frames to be written (variable frame rate), or None for
            frame ``i`` at ``i / fps``; ignored for ``png``. Writing more frames than it times
            raises ``ValueError``.
    """

    def __init__(self, path: Path | str, settings: WriterSettings, width: int, height: int,
                 fps: Fraction, audio: AudioSpec | None = None,
                 frame_times: FrameTimes | None = None) -> None:
        self.path = Path(path)
        self.settings = settings
        self.width, self.height = int(width), int(height)
        self.fps = Fraction(fps)
        _validate(self.path, settings, self.width, self.height)
        if not self.path.parent.is_dir():
            raise MediaError(f"{self.path}: the folder does not exist — choose an existing one")
        atomic.remove_stale_partials(self.path)
        self.temp_path = atomic.temp_sibling(self.path)
        self._closed = False
        try:
            if settings.codec == "png":
                if audio is not None:
                    log.info("PNG sequences carry no audio; %s is written without it", self.path)
                self._sink = PngSequenceSink(self.temp_path, settings.alpha)
            else:
                self._sink = _AvSink(self.temp_path, self.path, settings, self.width,
                                     self.height, self.fps, audio, frame_times)
        except OSError as exc:
            atomic.discard(self.temp_path)
            raise atomic.translate_os_error(exc, self.path) from exc
        except av.error.FFmpegError as exc:
            atomic.discard(self.temp_path)
            raise MediaError(f"{self.path}: cannot start the encoder ({exc})") from exc

    @property
    def frames_written(self) -> int:
        return self._sink.count

    @property
    def audio_mode(self) -> str:
        """``"copy"``, ``"encode"`` or ``"none"``: how the audio is being written."""
        track = getattr(self._sink, "audio", None)
        return track.mode if track is not None else "none"

    def prepare(self, frame: np.ndarray) -> Picture:
        """Check and convert one frame (as for :meth:`write`) into what the encoder takes.

        Thread-safe, so a pipeline can convert on its compositing thread and hand ``write``
        ready pictures (the encoding thread then only encodes).
        """
        return self._sink.prepare(self._prepare(frame))

    def passthrough(self, decoded: av.VideoFrame) -> av.VideoFrame | None:
        """A decoded picture ready for :meth:`write` unchanged, or None when it must go through
        RGB (other pixel format, size, matrix or range, or an RGB/PNG output)."""
        passthrough = getattr(self._sink, "passthrough", None)
        return None if passthrough is None else passthrough(decoded)

    def write(self, frame: np.ndarray | Picture) -> None:
        """Append one frame: H×W×3 or H×W×4 uint8 RGB(A), H×W = ``height``×``width``, or a
        picture from :meth:`prepare` / :meth:`passthrough`."""
        if self._closed:
            raise RuntimeError("write() after close()/abort()")
        picture = self.prepare(frame) if isinstance(frame, np.ndarray) else frame
        try:
            self._sink.write(picture)
        except OSError as exc:
            self.abort()
            raise atomic.translate_os_error(exc, self.path) from exc

    def _prepare(self, frame: np.ndarray) -> np.ndarray:
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] not in (3, 4):
            raise ValueError(f"frame must be H×W×3 or H×W×4 uint8, got {frame.dtype} "
                             f"{frame.shape}")
        if frame.shape[:2] != (self.height, self.width):
            raise ValueError(f"frame is {frame.shape[1]}×{frame.shape[0]}, the writer was "
                             f"opened for {self.width}×{self.height}")
        if frame.shape[2] == 4 and not self.settings.writes_alpha:
            alpha = frame[..., 3:4].astype(np.uint16)
            frame = ((frame[..., :3].astype(np.uint16) * alpha + 127) // 255).astype(np.uint8)
        return np.ascontiguousarray(frame)

    def close(self) -> None:
        """Flush encoders, mux remaining audio, close, rename the temp file to ``path``."""
        if self._closed:
            return
        try:
            self._sink.finish()
            self._sink.close()
            self._closed = True
            atomic.commit(self.temp_path, self.path, outputs.FRAMES)
        except OSError as exc:
            self.abort()
            raise atomic.translate_os_error(exc, self.path) from exc
        except av.error.FFmpegError as exc:
            self.abort()
            raise MediaError(f"{self.path}: encoding failed ({exc})") from exc

    def abort(self) -> None:
        """Stop writing and remove the temporary output; ``path`` is left untouched."""
        if not self._closed:
            self._closed = True
            try:
                self._sink.close()
            except (OSError, av.error.FFmpegError) as exc:
                log.debug("closing an aborted output failed: %s", exc)
        atomic.discard(self.temp_path)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
