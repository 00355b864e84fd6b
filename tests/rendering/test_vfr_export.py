"""Variable-frame-rate sources keep their timing through export (issue #16, item 5).

The source drops from 30 to 10 fps after 20 frames and its audio is silent until the time of
frame 28, where a tone starts: at every output time the picture must be the one the source
shows then, and the tone must start under the same picture.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from rendering.effects.stack import RenderStacks
from rendering.export import ExportRequest, export_job
from rendering.media import VideoSource, VideoWriter, WriterSettings
from rendering.synthetic import SyntheticClip
from rendering.timebase import FrameTimes

CLIP = SyntheticClip(width=64, height=48, num_frames=40, fps=Fraction(30))
TIMES = CLIP.step_rate_times(20, Fraction(10))
MARK_FRAME = 28  # the tone starts at this frame's time (22/15 s)


@pytest.fixture(scope="module")
def vfr_source(tmp_path_factory) -> Path:
    return CLIP.write(tmp_path_factory.mktemp("vfr") / "vfr.mp4", times=TIMES,
                      audio_onset_s=TIMES[MARK_FRAME])


def _export(source: Path, out: Path, preset: str, start: int = 0, end: int | None = None
            ) -> Path:
    list(export_job(ExportRequest(source, out, preset, RenderStacks(), None, start=start,
                                  end=end)))
    return out


def _onset_s(path: Path) -> float:
    """Time (s) of the first audio sample louder than 0.2, on the video's timeline (0 = video
    frame 0, as ``frame_time``), from the decoded frames' own timestamps."""
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        v0 = float((vs.start_time or 0) * vs.time_base)  # MKV shifts all streams by the
        for frame in c.decode(audio=0):                 # AAC priming (21 ms)
            loud = np.flatnonzero(np.abs(frame.to_ndarray()[0]) > 0.2)
            if loud.size:
                return float(frame.pts * frame.time_base) + loud[0] / frame.sample_rate - v0
    raise AssertionError(f"{path}: no tone in the audio")


def _closest_source_frame(picture: np.ndarray, candidates: range) -> int:
    errors = {i: np.abs(picture.astype(int) - CLIP.frame(i)).mean() for i in candidates}
    return min(errors, key=errors.get)


def test_generated_clip_is_vfr_with_the_planned_times(vfr_source) -> None:
    with VideoSource(vfr_source) as src:
        assert src.info.is_vfr and len(src) == 40
        assert [src.frame_time(i) for i in range(40)] == TIMES
        assert src.frame_time(19) == Fraction(19, 30) and src.frame_time(21) == Fraction(23, 30)
    assert abs(_onset_s(vfr_source) - float(TIMES[MARK_FRAME])) < 0.004


@pytest.mark.parametrize("preset,name", [
    ("h264", "out.mp4"), ("h264", "out.mkv"), ("prores4444", "out.mov"),
    ("vp9-alpha", "out.webm")])
def test_export_keeps_every_frame_time_and_the_audio_under_its_picture(
        vfr_source, tmp_path, preset, name) -> None:
    out = _export(vfr_source, tmp_path / name, preset)
    with VideoSource(out) as dst:
        tick = dst.index.table.time_base  # 1/15360 s (MP4/MOV) or 1 ms (MKV/WebM)
        assert len(dst) == len(TIMES) and dst.info.is_vfr
        for k, t in enumerate(TIMES):
            assert abs(dst.frame_time(k) - t) <= tick, (k, dst.frame_time(k), t)
        # the example: the last fast frame stays at 0.633 s, the next at 0.667 s
        assert abs(dst.frame_time(19) - Fraction(19, 30)) <= tick
        assert abs(dst.frame_time(20) - Fraction(2, 3)) <= tick
        for k in (0, 19, 20, 21, 39):  # each output frame is its source frame, not a neighbour
            assert _closest_source_frame(dst.read(k), range(max(0, k - 2), min(40, k + 3))) == k
        mark_s = float(dst.frame_time(MARK_FRAME))
    assert abs(_onset_s(out) - mark_s) < 0.005


def test_sub_range_starting_in_the_slow_part(vfr_source, tmp_path) -> None:
    start, end = 25, 38  # frame 25 is at 7/6 s; the tone starts at frame 28
    out = _export(vfr_source, tmp_path / "cut.mp4", "h264", start, end)
    with VideoSource(out) as dst:
        assert len(dst) == end - start
        assert [dst.frame_time(k) for k in range(len(dst))] == \
            [TIMES[start + k] - TIMES[start] for k in range(end - start)]
        assert _closest_source_frame(dst.read(3), range(26, 31)) == start + 3
        mark_s = float(dst.frame_time(MARK_FRAME - start))
    assert mark_s == pytest.approx(0.3)
    assert abs(_onset_s(out) - mark_s) < 0.005


def test_writer_refuses_more_frames_than_it_has_times(tmp_path) -> None:
    times = FrameTimes((Fraction(0), Fraction(1, 10)), Fraction(1, 5))
    with pytest.raises(ValueError, match="frame times were given for 2 frames"):
        with VideoWriter(tmp_path / "o.mp4", WriterSettings(), 64, 48, Fraction(10),
                         frame_times=times) as w:
            for i in range(3):
                w.write(CLIP.frame(i))
    assert list(tmp_path.iterdir()) == []


def test_writer_stamps_last_frame_duration(tmp_path) -> None:
    """The file ends where the times say (the source's end), not one nominal frame later."""
    times = FrameTimes((Fraction(0), Fraction(1, 30), Fraction(1, 3)), Fraction(1, 2))
    with VideoWriter(tmp_path / "o.mkv", WriterSettings(), 64, 48, Fraction(6),
                     frame_times=times) as w:
        for i in range(3):
            w.write(CLIP.frame(i))
    with av.open(str(tmp_path / "o.mkv")) as c:
        vs = c.streams.video[0]
        ends = [(p.pts + p.duration) * vs.time_base for p in c.demux(vs) if p.size]
    assert abs(max(ends) - Fraction(1, 2)) <= vs.time_base  # each stamp rounds to 1 ms
