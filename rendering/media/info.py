"""What :func:`rendering.media.probing.probe` reports about a media file."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class AudioStreamInfo:
    """One audio stream.

    Attributes:
        index: position among the file's audio streams (0 = first).
        codec: FFmpeg codec name (``"aac"``, ``"opus"``...).
        sample_rate_hz: samples per second.
        channels: channel count.
        channel_layout: FFmpeg layout name (``"stereo"``...).
        duration_s: duration in seconds (None when unknown).
        start_s: first sample's time relative to the video's frame 0, seconds.
    """

    index: int
    codec: str
    sample_rate_hz: int
    channels: int
    channel_layout: str
    duration_s: Fraction | None
    start_s: Fraction

    def to_json(self) -> dict:
        return {
            "index": self.index,
            "codec": self.codec,
            "sample_rate_hz": self.sample_rate_hz,
            "channels": self.channels,
            "channel_layout": self.channel_layout,
            "duration_s": None if self.duration_s is None else round(float(self.duration_s), 6),
            "start_s": round(float(self.start_s), 6),
        }


@dataclass(frozen=True)
class MediaInfo:
    """Properties of a video file, image folder or image.

    Attributes:
        path: the probed path.
        kind: ``"video"``, ``"image_folder"`` or ``"image"``.
        container: container format name (``"mov,mp4,..."``, ``"image2"``...).
        codec: video codec name.
        frame_count: exact number of frames (counted from packets, not the header).
        avg_rate: exact frame rate in frames per second (the average rate for VFR).
        duration_s: video duration in seconds (frame_count / avg_rate for CFR).
        width, height: displayed size in pixels, after rotation.
        coded_width, coded_height: size as stored, before rotation.
        rotation_deg: counter-clockwise display rotation applied by readers (0/90/180/270).
        pix_fmt: decoded pixel format (``"yuv420p"``, ``"yuva420p"``...).
        bit_depth: bits per colour component.
        has_alpha: True when frames carry transparency.
        colour_matrix, colour_range: the YUV matrix/range readers use (``"bt709"``, ``"limited"``).
        is_vfr: True when frame durations vary (see :mod:`rendering.timebase` for the rule).
        audio: audio streams, in file order.
        size_bytes: file size (sum of files for a folder).
    """

    path: str
    kind: str
    container: str
    codec: str
    frame_count: int
    avg_rate: Fraction
    duration_s: Fraction
    width: int
    height: int
    coded_width: int
    coded_height: int
    rotation_deg: int
    pix_fmt: str
    bit_depth: int
    has_alpha: bool
    colour_matrix: str
    colour_range: str
    is_vfr: bool
    audio: tuple[AudioStreamInfo, ...]
    size_bytes: int

    def to_json(self) -> dict:
        """JSON-ready dict: rates as ``"num/den"`` strings (exact) plus float conveniences."""
        return {
            "path": self.path,
            "kind": self.kind,
            "container": self.container,
            "codec": self.codec,
            "frame_count": self.frame_count,
            "avg_rate": f"{self.avg_rate.numerator}/{self.avg_rate.denominator}",
            "fps": round(float(self.avg_rate), 6),
            "duration_s": round(float(self.duration_s), 6),
            "width": self.width,
            "height": self.height,
            "coded_width": self.coded_width,
            "coded_height": self.coded_height,
            "rotation_deg": self.rotation_deg,
            "pix_fmt": self.pix_fmt,
            "bit_depth": self.bit_depth,
            "has_alpha": self.has_alpha,
            "colour_matrix": self.colour_matrix,
            "colour_range": self.colour_range,
            "is_vfr": self.is_vfr,
            "audio": [a.to_json() for a in self.audio],
            "size_bytes": self.size_bytes,
        }
