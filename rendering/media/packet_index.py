"""Frame table of a video stream, built by demuxing packets (no decoding).

Demuxing reads only packet headers and payload sizes, so indexing a clip is fast (milliseconds
for minutes of video) and exact even when the container's frame count is missing (WebM) or
wrong. Frame ``i`` is the i-th packet in presentation order (see :mod:`rendering.timebase`).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from rendering.errors import MediaError
from rendering.timebase import PtsTable


@dataclass(frozen=True)
class PacketIndex:
    """Frame index <-> PTS table plus keyframe positions of one video stream.

    Attributes:
        table: presentation timestamps (``table.pts[i]`` is frame i).
        keyframes: sorted frame indices that start a decodable group (keyframe packets).
        last_duration: duration (ticks) of the last frame, from its packet (0 if unknown).
        packets_read: packets demuxed, including discarded ones (for truncation checks).
    """

    table: PtsTable
    keyframes: tuple[int, ...]
    last_duration: int
    packets_read: int

    def __len__(self) -> int:
        return len(self.table)

    def keyframe_before(self, frame_index: int) -> int:
        """The last keyframe index ≤ ``frame_index`` (0 when there is none before it)."""
        pos = bisect.bisect_right(self.keyframes, frame_index) - 1
        return self.keyframes[pos] if pos >= 0 else 0

    def keyframe_preceding(self, keyframe: int) -> int | None:
        """The keyframe before ``keyframe``, or None when it is the first."""
        pos = bisect.bisect_left(self.keyframes, keyframe) - 1
        return self.keyframes[pos] if pos >= 0 else None

    def duration_s(self) -> Fraction:
        """Span from frame 0 to the end of the last frame, in seconds."""
        if not len(self):
            return Fraction(0)
        span = self.table.pts[-1] - self.table.pts[0] + self.last_duration
        return span * self.table.time_base


def scan_packets(container: av.container.InputContainer, stream: av.video.VideoStream,
                 path: Path) -> PacketIndex:
    """Demux every packet of ``stream`` and build its :class:`PacketIndex`.

    The container is left at its end; seek before decoding. Raises ``MediaError`` when the
    file cannot be read to the end (corrupt or truncated) or has no timestamps.
    """
    stamps: list[int] = []
    keys: list[int] = []
    last_duration = 0
    read = 0
    try:
        for packet in container.demux(stream):
            if packet.size == 0 and packet.pts is None and packet.dts is None:
                continue  # the demuxer's end-of-stream marker
            read += 1
            if packet.size == 0:
                continue  # an empty sample (a dropped frame in some recordings)
            if packet.is_discard:
                continue
            ts = packet.pts if packet.pts is not None else packet.dts
            if ts is None:
                raise MediaError(f"{path}: the video has no timestamps — remux it into an "
                                 ".mp4 or .mkv file")
            stamps.append(ts)
            if packet.is_keyframe:
                keys.append(ts)
            last_duration = packet.duration or 0
    except av.error.FFmpegError as exc:
        raise MediaError(f"{path}: the file is damaged or truncated ({exc}) — re-export or "
                         "re-download it") from exc
    table = PtsTable.from_unsorted(stamps, Fraction(stream.time_base))
    keyframes = sorted({table.index_of_pts(k) for k in keys} - {None})
    if not last_duration and len(table) > 1:
        last_duration = table.pts[-1] - table.pts[-2]
    return PacketIndex(table, tuple(keyframes), last_duration, read)
