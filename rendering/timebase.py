"""The one module for frame-index / time conversions.

Time in Masklet is an integer frame index plus an exact :class:`~fractions.Fraction` frame rate
(frames per second). Seconds are exact ``Fraction`` values; stream timestamps (PTS) are integers
counted in a stream's ``time_base`` (a ``Fraction`` of a second per tick), as in FFmpeg/PyAV.

Constant frame rate (CFR)::

    seconds(frame_index) = frame_index / fps
    frame_index(seconds) = floor(seconds * fps)      # the frame on screen at that time

Variable frame rate (VFR) — the rule used by every frame source: frame ``i`` is the i-th frame
in *presentation order* (sorted PTS of the stream's packets, discarded packets excluded); its
time is ``(pts[i] - pts[0]) * time_base`` so frame 0 is at t = 0; the frame shown at time ``t``
is the last frame whose time is ``<= t`` (:class:`PtsTable`). ``fps`` of a VFR source is the
average rate, used for display and as the nominal rate of outputs.

Exports keep a VFR source's timing: output frame ``k`` of a range ``[start, end)`` is stamped
at ``time(start + k) - time(start)`` (:class:`FrameTimes`), one output frame per source frame,
so the picture at every output time is the one the source shows then, and the audio (cut at
the same source times) stays in sync.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

NTSC_RATES = (Fraction(30000, 1001), Fraction(60000, 1001))
#: Finest tick an output time base gets (the MPEG/MP4 90 kHz clock); times needing a finer
#: one are rounded to it.
MAX_TICKS_PER_S = 90000


def parse_rate(value: str | int | float | Fraction) -> Fraction:
    """Exact frame rate from ``"30000/1001"``, ``"29.97"``, ``"30"``, an int or a Fraction.

    Decimal NTSC spellings (``29.97``, ``59.94``, ``23.976``) map to their exact x/1001 rates.
    Raises ``ValueError`` for a rate that is not a positive number.
    """
    if isinstance(value, Fraction):
        rate = value
    elif isinstance(value, str) and "/" in value:
        num, den = value.split("/", 1)
        rate = Fraction(int(num), int(den))
    else:
        rate = Fraction(str(value)) if not isinstance(value, int) else Fraction(value)
        for ntsc in (Fraction(24000, 1001), *NTSC_RATES):
            if rate != ntsc and abs(float(rate) - float(ntsc)) < 0.0011:
                rate = ntsc
    if rate <= 0:
        raise ValueError(f"frame rate must be positive, got {value!r}")
    return rate


def frame_to_seconds(frame_index: int, fps: Fraction) -> Fraction:
    """Exact start time in seconds of frame ``frame_index`` at a constant ``fps``."""
    return Fraction(frame_index) / Fraction(fps)


def seconds_to_frame(seconds: Fraction | float, fps: Fraction) -> int:
    """Index of the frame on screen at ``seconds`` (floor) at a constant ``fps``.

    Floats are converted through ``Fraction(str(x))`` so ``1/30`` s style round-offs do not
    land one frame early.
    """
    t = seconds if isinstance(seconds, Fraction) else Fraction(str(seconds))
    return math.floor(t * Fraction(fps))


def nearest_frame(seconds: Fraction | float, fps: Fraction) -> int:
    """Index of the frame whose start time is nearest to ``seconds`` (ties go up)."""
    t = seconds if isinstance(seconds, Fraction) else Fraction(str(seconds))
    return math.floor(t * Fraction(fps) + Fraction(1, 2))


def seconds_to_pts(seconds: Fraction, time_base: Fraction) -> int:
    """Integer timestamp (rounded to nearest tick) of ``seconds`` in ``time_base`` ticks."""
    return round(Fraction(seconds) / Fraction(time_base))


def pts_to_seconds(pts: int, time_base: Fraction) -> Fraction:
    """Exact seconds of an integer timestamp counted in ``time_base``."""
    return Fraction(pts) * Fraction(time_base)


def frame_to_pts(frame_index: int, fps: Fraction, time_base: Fraction) -> int:
    """Timestamp in ``time_base`` ticks of CFR frame ``frame_index`` (nearest tick)."""
    return seconds_to_pts(frame_to_seconds(frame_index, fps), time_base)


def frame_duration(fps: Fraction) -> Fraction:
    """Duration of one frame in seconds."""
    return 1 / Fraction(fps)


@dataclass(frozen=True)
class PtsTable:
    """Exact frame-index <-> PTS map of one video stream (works for CFR and VFR).

    Attributes:
        pts: presentation timestamps in ``time_base`` ticks, strictly increasing; ``pts[i]`` is
            frame ``i``.
        time_base: seconds per tick.
    """

    pts: tuple[int, ...]
    time_base: Fraction
    _index: dict[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {p: i for i, p in enumerate(self.pts)})

    @classmethod
    def from_unsorted(cls, pts: Sequence[int], time_base: Fraction) -> PtsTable:
        """Table from packet timestamps in decode order (duplicates dropped)."""
        return cls(tuple(sorted(set(pts))), Fraction(time_base))

    def __len__(self) -> int:
        return len(self.pts)

    def index_of_pts(self, pts: int) -> int | None:
        """Frame index of an exact timestamp, or ``None`` when no frame has it."""
        return self._index.get(pts)

    def frame_at_pts(self, pts: int) -> int:
        """Frame on screen at timestamp ``pts``: the last frame with ``pts[i] <= pts``
        (clamped to frame 0 before the first frame)."""
        return max(0, bisect.bisect_right(self.pts, pts) - 1)

    def seconds(self, frame_index: int) -> Fraction:
        """Time of frame ``frame_index`` relative to frame 0, in exact seconds."""
        return (self.pts[frame_index] - self.pts[0]) * self.time_base

    def frame_at_seconds(self, seconds: Fraction | float) -> int:
        """Frame on screen ``seconds`` after frame 0 (see the module's VFR rule)."""
        t = seconds if isinstance(seconds, Fraction) else Fraction(str(seconds))
        return self.frame_at_pts(self.pts[0] + math.floor(t / self.time_base))

    def durations(self) -> list[int]:
        """Tick differences between consecutive frames (length ``len(self) - 1``)."""
        return [b - a for a, b in zip(self.pts, self.pts[1:])]

    def is_variable_rate(self) -> bool:
        """True when frame durations vary by more than timestamp rounding explains.

        Containers with coarse time bases (WebM: 1 ms) store 29.97 fps as alternating 33/34 ms
        durations; a spread of up to 2 ticks (and 1 % of the median) is treated as constant.
        """
        d = self.durations()
        if len(d) < 2:
            return False
        med = sorted(d)[len(d) // 2]
        return max(d) - min(d) > max(2, med // 100)


@dataclass(frozen=True)
class FrameTimes:
    """Presentation times of consecutive output frames (the timing of a VFR export).

    Attributes:
        starts_s: time of frame ``k`` in exact seconds; ``starts_s[0] == 0``, strictly
            increasing.
        end_s: end of the last frame (its time plus its duration), ``> starts_s[-1]``.
    """

    starts_s: tuple[Fraction, ...]
    end_s: Fraction

    def __post_init__(self) -> None:
        t = self.starts_s
        if not t or t[0] != 0 or any(b <= a for a, b in zip(t, t[1:])) or self.end_s <= t[-1]:
            raise ValueError("frame times must start at 0, increase strictly and end after "
                             "the last frame")

    @classmethod
    def of_range(cls, source_time: Callable[[int], Fraction], start: int, end: int,
                 end_s: Fraction) -> FrameTimes:
        """Times of source frames ``[start, end)`` shifted so frame ``start`` is at 0.

        ``source_time(i)``: seconds of source frame ``i``; ``end_s``: source time where the
        range ends (the time of frame ``end``, or the end of the last frame).
        """
        t0 = Fraction(source_time(start))
        starts = tuple(Fraction(source_time(i)) - t0 for i in range(start, end))
        return cls(starts, Fraction(end_s) - t0)

    def __len__(self) -> int:
        return len(self.starts_s)

    def end_of(self, k: int) -> Fraction:
        """End of frame ``k`` (the next frame's time, or ``end_s`` for the last)."""
        return self.starts_s[k + 1] if k + 1 < len(self.starts_s) else self.end_s

    def time_base(self) -> Fraction:
        """The coarsest tick that stamps every time exactly, or 1/:data:`MAX_TICKS_PER_S`
        when exact stamps would need a finer one (times are then rounded to it)."""
        ticks = 1
        for t in (*self.starts_s, self.end_s):
            ticks = math.lcm(ticks, t.denominator)
            if ticks > MAX_TICKS_PER_S:
                return Fraction(1, MAX_TICKS_PER_S)
        return Fraction(1, ticks)


def format_timecode(frame_index: int, fps: Fraction, drop_frame: bool | None = None) -> str:
    """SMPTE timecode ``HH:MM:SS:FF`` (``HH:MM:SS;FF`` with drop-frame) of a frame index.

    ``drop_frame`` defaults to True for 30000/1001 and 60000/1001, whose drop-frame timecode
    skips frame numbers 0-1 (0-3 at 59.94) at the start of every minute except every tenth so
    that timecode tracks wall-clock time. Other rates count ``round(fps)`` frames per second.
    """
    fps = Fraction(fps)
    if drop_frame is None:
        drop_frame = fps in NTSC_RATES
    nominal = round(fps)
    n = int(frame_index)
    sep = ":"
    if drop_frame and fps in NTSC_RATES:
        drop = 2 * nominal // 30
        per_10min = nominal * 600 - drop * 9
        per_min = nominal * 60 - drop
        tens, rem = divmod(n, per_10min)
        extra = 0 if rem < drop else drop * ((rem - drop) // per_min)
        n += drop * 9 * tens + extra
        sep = ";"
    ff = n % nominal
    total_s = n // nominal
    return f"{total_s // 3600:02d}:{total_s // 60 % 60:02d}:{total_s % 60:02d}{sep}{ff:02d}"


def timecode_at(seconds: Fraction, fps: Fraction, drop_frame: bool | None = None) -> str:
    """Timecode of the frame shown at source time ``seconds``, counted at the nominal rate
    ``fps`` (so a variable-rate clip's timecode follows its timestamps, not its frame count).
    """
    return format_timecode(nearest_frame(seconds, fps), fps, drop_frame)

