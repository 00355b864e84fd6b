"""Frame-accurate, thread-safe random access to a video file.

``VideoSource(path)`` implements the frame-source protocol (:mod:`rendering.media.source`):
``len(src)``, ``width``/``height`` (after rotation), ``fps`` (exact ``Fraction``; the average
for VFR), ``read(i) -> H×W×3 uint8 RGB``, plus ``read_rgba``, ``iter_frames``, ``frame_time``
and ``range_times`` (the timing a VFR export keeps, see :mod:`rendering.timebase`).

How reads work:

* At open, every packet is demuxed (no decoding) to build the exact frame index <-> PTS table
  and the keyframe list (:mod:`rendering.media.packet_index`).
* ``read(i)`` looks in a bytes-bounded LRU cache of decoded frames first. On a miss it
  continues the live decoder when ``i`` lies ahead in the same GOP (sequential reads never
  seek), else seeks to the keyframe at or before ``i`` and decodes forward. Every decoded
  frame on the way is cached (as the decoder's YUV picture, converted on read), so stepping
  backwards through a GOP decodes it once, not once per frame — as long as the GOP fits the
  budget (default 512 MiB ≈ 370 frames of 720p 4:2:0); beyond that the frames nearest the
  target are kept and the GOP is decoded again only every ``budget`` frames.
* Colour: the stream's matrix and range (see :mod:`rendering.media.colour`); rotation metadata
  is applied. VP9/VP8 with alpha are decoded by libvpx so ``read_rgba`` sees the alpha.
* One lock per source: ``read`` may be called from several threads. ``iter_frames`` opens its
  own decoder, so an export does not disturb (or wait for) the viewer's reads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from rendering.errors import MediaError
from rendering.media.colour import RgbConverter
from rendering.media.frame_cache import FrameCache
from rendering.media.probing import inspect_video
from rendering.media.stream_decoder import DecodeStats, StreamDecoder
from rendering.timebase import FrameTimes

DEFAULT_CACHE_BYTES = 512 * 2**20


def _frame_bytes(frame: av.VideoFrame) -> int:
    return sum(plane.buffer_size for plane in frame.planes)


class VideoSource:
    """Random-access frame source over a video file (see the module docstring).

    Args:
        path: video file.
        cache_bytes: budget of the decoded-frame cache.
    Raises:
        MediaError: missing, not a video, damaged, truncated, or no frames.
    """

    def __init__(self, path: Path | str, cache_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._dec = StreamDecoder(self.path)
        try:
            self.info, self.index = inspect_video(self._dec.container, self._dec.stream,
                                                  self._dec.decoder, self.path)
        except BaseException:
            self._dec.close()
            raise
        self._dec.index = self.index
        self.width, self.height = self.info.width, self.info.height
        self.fps: Fraction = self.info.avg_rate
        self.has_alpha = self.info.has_alpha
        self._converter = RgbConverter(self.info.rotation_deg)
        self._cache: FrameCache[av.VideoFrame] = FrameCache(cache_bytes, _frame_bytes)
        self._live: Iterator[tuple[int, av.VideoFrame]] | None = None
        self._last = -1  # index of the last frame the live decoder produced
        self._closed = False

    def __len__(self) -> int:
        return len(self.index)

    @property
    def stats(self) -> DecodeStats:
        """Seeks and frames decoded by the random-access decoder so far."""
        return self._dec.stats

    def frame_time(self, frame_index: int) -> Fraction:
        """Presentation time of a frame in seconds, relative to frame 0 (exact, VFR-safe)."""
        return self.index.table.seconds(frame_index)

    def range_times(self, start: int, end: int) -> FrameTimes:
        """Source times of frames ``[start, end)`` relative to frame ``start``; the range ends
        at frame ``end``'s time, or at the end of the last frame when ``end == len(self)``."""
        if not 0 <= start < end <= len(self):
            raise IndexError(f"frame range {start}..{end} outside 0..{len(self)}")
        end_s = self.frame_time(end) if end < len(self) else self.index.duration_s()
        return FrameTimes.of_range(self.frame_time, start, end, end_s)

    def frame_at_time(self, seconds: Fraction | float) -> int:
        """Index of the frame on screen ``seconds`` after frame 0."""
        return min(len(self) - 1, self.index.table.frame_at_seconds(seconds))

    def read(self, frame_index: int) -> np.ndarray:
        """H×W×3 uint8 RGB frame ``frame_index`` (upright; a new array the caller owns)."""
        with self._lock:
            return self._converter.convert(self._frame(frame_index), rgba=False)

    def read_rgba(self, frame_index: int) -> np.ndarray:
        """H×W×4 uint8 RGBA frame; alpha is 255 when the video has no alpha."""
        with self._lock:
            return self._converter.convert(self._frame(frame_index), rgba=True)

    def _frame(self, frame_index: int) -> av.VideoFrame:
        if self._closed:
            raise RuntimeError(f"{self.path}: read() on a closed source")
        if not 0 <= frame_index < len(self):
            raise IndexError(f"frame {frame_index} outside 0..{len(self) - 1}")
        cached = self._cache.get(frame_index)
        return cached if cached is not None else self._decode_to(frame_index)

    def _decode_to(self, target: int) -> av.VideoFrame:
        key = self.index.keyframe_before(target)
        if self._live is None or not (self._last < target and key <= self._last + 1):
            self._live = self._dec.frames_from(target)
            self._last = -1
        try:
            for j, frame in self._live:
                self._last = j
                self._cache.put(j, frame)
                if j >= target:  # j > target: the target could not be decoded, use the next
                    return frame
        except av.error.FFmpegError as exc:
            self._live = None
            raise MediaError(f"{self.path}: frame {target} cannot be decoded ({exc})") from exc
        self._live = None
        for j in range(target - 1, -1, -1):  # end of stream before the target: nearest earlier
            if j in self._cache:
                return self._cache.get(j)
        raise MediaError(f"{self.path}: frame {target} cannot be decoded — the file is damaged")

    def iter_frames(self, start: int = 0, end: int | None = None, rgba: bool = False
                    ) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(frame_index, H×W×3 uint8 RGB)`` (×4 with ``rgba``) for start <= i < end.

        Decodes sequentially on a private decoder (fast, no cache). Exactly ``end - start``
        frames are yielded; a frame that cannot be decoded repeats its predecessor.
        """
        converter = self.rgb_converter()
        last, last_frame = None, None
        decoded = self.iter_decoded(start, end)
        try:
            for i, frame in decoded:
                if frame is last_frame:  # a repeat: the caller owns every array it gets
                    yield i, last.copy()
                    continue
                last, last_frame = converter.convert(frame, rgba), frame
                yield i, last
        finally:
            decoded.close()  # closes the file now, not when the generator is collected

    def rgb_converter(self) -> RgbConverter:
        """A converter of this video's decoded pictures to upright RGB(A) (one per thread)."""
        return RgbConverter(self.info.rotation_deg)

    def iter_decoded(self, start: int = 0, end: int | None = None
                     ) -> Iterator[tuple[int, av.VideoFrame]]:
        """Like :meth:`iter_frames` but yields the decoder's pictures, before colour
        conversion and rotation (see :meth:`rgb_converter`); a repeated frame is the same
        object again."""
        end = len(self) if end is None else min(end, len(self))
        if start >= end:
            return
        dec = StreamDecoder(self.path, self.index)
        expected, last = start, None
        try:
            for j, frame in dec.frames_from(start):
                if j < expected:
                    continue
                last = frame
                while expected <= j and expected < end:
                    yield expected, last
                    expected += 1
                if expected >= end:
                    return
            if last is None:
                raise MediaError(f"{self.path}: frames {start}..{end - 1} cannot be decoded")
            while expected < end:
                yield expected, last
                expected += 1
        finally:
            dec.close()

    def close(self) -> None:
        """Release the file and the cache (further reads raise)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._live = None
                self._cache.clear()
                self._dec.close()

    def __enter__(self) -> VideoSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
