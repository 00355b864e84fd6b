"""Frame index <-> time conversions (rendering.timebase)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from rendering.timebase import (
    FrameTimes,
    PtsTable,
    format_timecode,
    frame_to_pts,
    frame_to_seconds,
    nearest_frame,
    parse_rate,
    pts_to_seconds,
    seconds_to_frame,
    seconds_to_pts,
)

NTSC = Fraction(30000, 1001)


def test_cfr_round_trip_is_exact_for_every_frame() -> None:
    for fps in (NTSC, Fraction(25), Fraction(24000, 1001), Fraction(60)):
        for i in range(0, 5000, 7):
            t = frame_to_seconds(i, fps)
            assert seconds_to_frame(t, fps) == i
            assert nearest_frame(t + frame_to_seconds(1, fps) / 3, fps) == i


def test_seconds_to_frame_floor_and_float_input() -> None:
    assert seconds_to_frame(Fraction(1001, 30000) * 10 - Fraction(1, 10**9), NTSC) == 9
    assert seconds_to_frame(0.1, Fraction(30)) == 3  # 0.1 * 30 must not become 2.9999
    assert frame_to_seconds(289, NTSC) == Fraction(289289, 30000)


def test_pts_conversions() -> None:
    tb = Fraction(1, 30000)
    assert frame_to_pts(250, NTSC, tb) == 250250
    assert pts_to_seconds(250250, tb) == frame_to_seconds(250, NTSC)
    assert seconds_to_pts(Fraction(1, 3), Fraction(1, 1000)) == 333


def test_parse_rate() -> None:
    assert parse_rate("30000/1001") == NTSC
    assert parse_rate("29.97") == NTSC
    assert parse_rate(23.976) == Fraction(24000, 1001)
    assert parse_rate("25") == 25
    with pytest.raises(ValueError):
        parse_rate("0")


def test_drop_frame_timecode() -> None:
    assert format_timecode(0, NTSC) == "00:00:00;00"
    assert format_timecode(1799, NTSC) == "00:00:59;29"
    assert format_timecode(1800, NTSC) == "00:01:00;02"  # frames ;00 and ;01 are skipped
    assert format_timecode(17982, NTSC) == "00:10:00;00"  # ...except every tenth minute
    assert format_timecode(107892, NTSC) == "01:00:00;00"  # one real hour
    assert format_timecode(1800, NTSC, drop_frame=False) == "00:01:00:00"
    assert format_timecode(25 * 3661 + 3, Fraction(25)) == "01:01:01:03"


def test_vfr_table_rule() -> None:
    # decode-order timestamps with B-frames; frame i = i-th in presentation order
    table = PtsTable.from_unsorted([0, 3000, 1000, 2000, 6000, 4500], Fraction(1, 1000))
    assert table.pts == (0, 1000, 2000, 3000, 4500, 6000)
    assert table.seconds(4) == Fraction(9, 2)
    assert table.frame_at_seconds(Fraction(4)) == 3  # the frame on screen at 4 s
    assert table.frame_at_seconds(Fraction(9, 2)) == 4
    assert table.frame_at_seconds(100) == 5
    assert table.index_of_pts(4500) == 4 and table.index_of_pts(4501) is None
    assert table.is_variable_rate()
    webm_ntsc = PtsTable(tuple(round(i * 1001 / 30) for i in range(100)), Fraction(1, 1000))
    assert not webm_ntsc.is_variable_rate()  # 33/34 ms rounding is still constant rate


def test_frame_times_of_a_range_start_at_zero_and_pick_an_exact_tick() -> None:
    source = [Fraction(0), Fraction(1, 30), Fraction(2, 30), Fraction(5, 30), Fraction(8, 30)]
    times = FrameTimes.of_range(source.__getitem__, 2, 4, source[4])
    assert times.starts_s == (Fraction(0), Fraction(1, 10)) and times.end_s == Fraction(1, 5)
    assert times.end_of(0) == Fraction(1, 10) and times.end_of(1) == Fraction(1, 5)
    assert times.time_base() == Fraction(1, 10)
    ntsc = FrameTimes((Fraction(0), Fraction(1001, 30000)), Fraction(3003, 30000))
    assert ntsc.time_base() == Fraction(1, 30000)
    odd = FrameTimes((Fraction(0), Fraction(1, 90001)), Fraction(1, 3))
    assert odd.time_base() == Fraction(1, 90000)  # finer than 90 kHz: rounded to it


@pytest.mark.parametrize("starts,end", [
    ((), Fraction(1)), ((Fraction(1, 30),), Fraction(1)),
    ((Fraction(0), Fraction(0)), Fraction(1)), ((Fraction(0), Fraction(1, 2)), Fraction(1, 2))])
def test_frame_times_must_start_at_zero_and_increase(starts, end) -> None:
    with pytest.raises(ValueError, match="start at 0"):
        FrameTimes(starts, end)
