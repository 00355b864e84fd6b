"""Frame-accurate decoding of one video stream: seek to the keyframe before, decode forward.

:class:`StreamDecoder` owns one open container and one decoder. ``frames_from(target)`` seeks
to the keyframe at or before ``target`` and yields ``(frame_index, av.VideoFrame)`` in
presentation order from there on; frame indices come from the packet table, so they are exact
for B-frames, long GOPs and VFR. If a seek lands after the target (an imprecise container
index), it retries from the previous keyframe.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av

from rendering.media.decoding import make_decoder, open_container, seek_to, video_stream
from rendering.media.packet_index import PacketIndex

log = logging.getLogger(__name__)


@dataclass
class DecodeStats:
    """Counters for tests and benchmarks: seeks issued and frames decoded."""

    seeks: int = 0
    frames_decoded: int = 0


class StreamDecoder:
    """One container + decoder positioned by frame index (not thread-safe; callers lock).

    Args:
        path: the video file.
        index: its packet table (from :func:`rendering.media.packet_index.scan_packets`).
        container: an already open container to use (else the file is opened here).
    """

    def __init__(self, path: Path, index: PacketIndex | None = None,
                 container: av.container.InputContainer | None = None) -> None:
        self.path = path
        self.container = container or open_container(path)
        self.stream = video_stream(self.container, path)
        self.decoder = make_decoder(self.stream)
        self.index = index
        self.stats = DecodeStats()

    def close(self) -> None:
        self.container.close()

    def _index_of(self, frame: av.VideoFrame, previous: int) -> int:
        assert self.index is not None
        ts = frame.pts if frame.pts is not None else frame.dts
        if ts is None:
            return previous + 1
        exact = self.index.table.index_of_pts(ts)
        return exact if exact is not None else self.index.table.frame_at_pts(ts)

    def _raw_frames(self) -> Iterator[tuple[int, av.VideoFrame]]:
        previous = -1
        for packet in self.container.demux(self.stream):
            try:
                frames = self.decoder.decode(packet)
            except av.error.InvalidDataError as exc:
                log.warning("%s: skipping a damaged packet (%s)", self.path, exc)
                continue
            for frame in frames:
                self.stats.frames_decoded += 1
                previous = self._index_of(frame, previous)
                yield previous, frame

    def frames_from(self, target: int) -> Iterator[tuple[int, av.VideoFrame]]:
        """Yield ``(frame_index, frame)`` from the keyframe before ``target`` onwards."""
        assert self.index is not None
        key = self.index.keyframe_before(target)
        while True:
            self.stats.seeks += 1
            seek_to(self.container, self.stream, self.decoder, self.index.table.pts[key])
            frames = self._raw_frames()
            first = next(frames, None)
            if first is None:
                return
            earlier = self.index.keyframe_preceding(key)
            if first[0] > target and earlier is not None:
                log.debug("%s: seek to frame %d landed at %d; retrying from %d",
                          self.path, key, first[0], earlier)
                key = earlier
                continue
            if first[0] >= key:
                yield first
            for item in frames:
                if item[0] >= key:  # leading pictures of an open GOP may be broken
                    yield item
            return
