"""Export job: pixels after export, alpha round trips, audio range, frames/timestamps, cancel."""

from __future__ import annotations

import errno
import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from rendering.compositor import render_frame
from rendering.effects import EffectContext, make_effect
from rendering.effects.stack import EffectInstance, ObjectStack, RenderStacks
from rendering.errors import DiskFullError
from rendering.export import ExportCancelled, ExportRequest, export_job
from rendering.export.mask_folder import FolderMaskSource
from rendering.media import VideoSource, open_source, probe
from rendering.synthetic import CIRCLE_ID, RECTANGLE_ID, SyntheticClip

CLIP = SyntheticClip(width=128, height=72, num_frames=24, fps=Fraction(30))


class ClipMasks:
    """Exact masks of the synthetic clip as a mask source."""

    def read(self, object_id: int, frame_index: int) -> np.ndarray | None:
        if not 0 <= frame_index < CLIP.num_frames:
            return None
        return CLIP.mask(frame_index, object_id).astype(np.float32)


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return CLIP.write(tmp_path_factory.mktemp("src") / "clip.mp4", with_audio=True)


@pytest.fixture(scope="module")
def silent_source(tmp_path_factory) -> Path:
    return CLIP.write(tmp_path_factory.mktemp("src") / "silent.mp4", with_audio=False)


def _stacks(background=(), objects=None) -> RenderStacks:
    objs = objects or {}
    return RenderStacks(tuple(ObjectStack(i, objs.get(i, ())) for i in CLIP.object_ids),
                        tuple(background))


def _run(request: ExportRequest) -> list:
    return list(export_job(request))


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if ".partial-" in p.name]


def test_png_export_equals_compositor_exactly(source, tmp_path):
    fill = (EffectInstance(make_effect("object-fill", {"colour": "#00ff00"})),)
    stacks = _stacks(objects={CIRCLE_ID: fill})
    progress = _run(ExportRequest(source, tmp_path / "seq", "png-rgba", stacks, ClipMasks(),
                                  start=3, end=9))
    assert [p.frames_done for p in progress] == list(range(1, 7))
    assert progress[-1].total == 6 and progress[-1].eta_s == 0
    with VideoSource(source) as src, open_source(tmp_path / "seq") as out:
        assert len(out) == 6
        for k in (0, 5):
            i = 3 + k
            got = out.read(k)
            want = render_frame(src.read(i), {CIRCLE_ID: CLIP.mask(i, CIRCLE_ID)}, stacks,
                                EffectContext(i))
            np.testing.assert_array_equal(got, want)
            inside = CLIP.mask(i, CIRCLE_ID)
            assert (got[inside] == (0, 255, 0)).all()
            np.testing.assert_array_equal(got[~inside], src.read(i)[~inside])


@pytest.mark.parametrize("preset,name,alpha_tol", [
    ("prores4444", "out.mov", 2), ("vp9-alpha", "out.webm", 6), ("png-rgba", "seq", 0)])
def test_alpha_round_trip(source, tmp_path, preset, name, alpha_tol):
    stacks = _stacks(background=(EffectInstance(make_effect("background-remove")),))
    _run(ExportRequest(source, tmp_path / name, preset, stacks, ClipMasks(), end=6))
    with open_source(tmp_path / name) as out:
        assert len(out) == 6
        for k in (0, 5):
            union = CLIP.mask(k, CIRCLE_ID) | CLIP.mask(k, RECTANGLE_ID)
            alpha = out.read_rgba(k)[..., 3].astype(int)
            want = np.where(union, 255, 0)
            assert np.abs(alpha - want).mean() <= alpha_tol, preset
            assert (np.abs(alpha - want) > 128).mean() < 0.01, preset


def test_frames_timestamps_and_audio_range(source, tmp_path):
    out = tmp_path / "cut.mp4"
    _run(ExportRequest(source, out, "h264", _stacks(), ClipMasks(), start=6, end=18))
    info = probe(out)
    assert info.frame_count == 12 and info.avg_rate == CLIP.fps
    with av.open(str(out)) as c:
        vs = c.streams.video[0]
        pts = sorted(f.pts * vs.time_base for f in c.decode(vs))
    assert pts == [Fraction(k, 30) for k in range(12)]
    audio = info.audio[0]
    one_audio_frame = Fraction(1024, audio.sample_rate_hz)
    assert abs(audio.start_s) <= one_audio_frame
    assert abs(audio.duration_s - Fraction(12, 30)) <= one_audio_frame


def test_no_audio_in_no_audio_out_and_scale(silent_source, tmp_path):
    out = tmp_path / "half.mp4"
    _run(ExportRequest(silent_source, out, "h264", _stacks(), ClipMasks(), scale=0.5))
    info = probe(out)
    assert info.audio == () and (info.width, info.height) == (64, 36)
    assert info.frame_count == CLIP.num_frames


def test_matte_and_mask_pngs(source, tmp_path):
    _run(ExportRequest(source, tmp_path / "matte.mp4", "matte", _stacks(), ClipMasks(), end=4))
    with VideoSource(tmp_path / "matte.mp4") as m:
        union = CLIP.mask(2, CIRCLE_ID) | CLIP.mask(2, RECTANGLE_ID)
        grey = m.read(2)[..., 0].astype(int)
        assert np.abs(grey - np.where(union, 255, 0)).mean() < 4
    reads: list[tuple[int, int]] = []

    class CountingMasks(ClipMasks):
        def read(self, object_id: int, frame_index: int) -> np.ndarray | None:
            reads.append((object_id, frame_index))
            return super().read(object_id, frame_index)

    _run(ExportRequest(source, tmp_path / "masks", "mask-pngs", _stacks(), CountingMasks(),
                       start=2, end=5))
    # each object's mask once per frame (issue 19: was once per object per object, K²)
    assert sorted(reads) == sorted((o, f) for o in CLIP.object_ids for f in (2, 3, 4))
    masks = FolderMaskSource(tmp_path / "masks")
    assert masks.object_ids == CLIP.object_ids
    np.testing.assert_array_equal(masks.read(RECTANGLE_ID, 0) > 0.5,
                                  CLIP.mask(2, RECTANGLE_ID))
    assert masks.read(CIRCLE_ID, 3) is None


def test_cancel_mid_export_leaves_nothing(source, tmp_path):
    cancel = threading.Event()
    out = tmp_path / "cancelled.mp4"
    job = export_job(ExportRequest(source, out, "h264", _stacks(), ClipMasks()), cancel)
    with pytest.raises(ExportCancelled):
        for p in job:
            if p.frames_done == 5:
                cancel.set()
    assert not out.exists() and _leftovers(tmp_path) == []
    # closing the generator (the GUI dropping the job) also cleans up
    job = export_job(ExportRequest(source, tmp_path / "seq", "png-rgba", _stacks(),
                                   ClipMasks()))
    next(job)
    job.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert threading.active_count() < 10


def test_disk_full_is_a_clear_error(source, tmp_path, monkeypatch):
    from rendering.media import png_sequence

    def full(self, frame):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(png_sequence.PngSequenceSink, "write", full)
    with pytest.raises(DiskFullError, match="disk is full"):
        _run(ExportRequest(source, tmp_path / "seq", "png-rgba", _stacks(), ClipMasks()))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("preset,name,codec", [
    ("hevc", "o.mp4", "hevc"), ("same-as-source", "s.mp4", "h264"), ("h264", "o.mkv", "h264")])
def test_codec_presets_decode(source, tmp_path, preset, name, codec):
    _run(ExportRequest(source, tmp_path / name, preset, _stacks(), ClipMasks(), end=5))
    info = probe(tmp_path / name)
    assert (info.codec, info.frame_count, info.avg_rate) == (codec, 5, CLIP.fps)
    with VideoSource(tmp_path / name) as out, VideoSource(source) as src:
        assert np.abs(out.read(4).astype(int) - src.read(4).astype(int)).mean() < 4


def test_vfr_source_keeps_its_frame_times(tmp_path):
    """Each source frame is written once at its own time (more in test_vfr_export.py)."""
    vfr = CLIP.write(tmp_path / "vfr.mp4", vfr=True, with_audio=False)
    src_info = probe(vfr)
    assert src_info.is_vfr
    _run(ExportRequest(vfr, tmp_path / "out.mp4", "h264", _stacks(), ClipMasks()))
    info = probe(tmp_path / "out.mp4")
    assert info.frame_count == CLIP.num_frames and info.is_vfr
    assert info.avg_rate == src_info.avg_rate
    with VideoSource(tmp_path / "out.mp4") as out:
        assert [out.frame_time(i) for i in range(len(out))] == CLIP.vfr_times()


@pytest.mark.parametrize("preset,name", [("mask-pngs", "masks"), ("h264", "o.mp4")])
def test_missing_output_folder_is_a_user_error(source, tmp_path, preset, name):
    from rendering.errors import MediaError

    with pytest.raises(MediaError, match="does not exist") as err:
        _run(ExportRequest(source, tmp_path / "nope" / name, preset, _stacks(), ClipMasks()))
    assert err.value.user_error
    assert list(tmp_path.iterdir()) == []


def _noise_clip(path: Path, rate_hz: int = 48000, frames: int = 30) -> np.ndarray:
    """Write a 128×72 30 fps clip with white-noise mono audio; return the noise samples."""
    noise = (np.random.default_rng(0).standard_normal(rate_hz * 2) * 0.2).astype(np.float32)
    with av.open(str(path), "w") as c:
        vs = c.add_stream("libx264", rate=30)
        vs.width, vs.height, vs.pix_fmt = 128, 72, "yuv420p"
        aus = c.add_stream("aac", rate=rate_hz)
        aus.layout = "mono"
        pos = 0
        for i in range(frames):
            vf = av.VideoFrame.from_ndarray(np.full((72, 128, 3), 8 * i, np.uint8), "rgb24")
            vf.pts, vf.time_base = i, Fraction(1, 30)
            c.mux(vs.encode(vf))
            while pos + 1024 <= (i + 1) * rate_hz // 30:
                af = av.AudioFrame.from_ndarray(noise[None, pos:pos + 1024], format="fltp",
                                                layout="mono")
                af.sample_rate, af.pts = rate_hz, pos
                c.mux(aus.encode(af))
                pos += 1024
        c.mux(vs.encode(None))
        c.mux(aus.encode(None))
    return noise


def _decoded_audio(path: Path) -> np.ndarray:
    with av.open(str(path)) as c:
        return np.concatenate([f.to_ndarray()[0] for f in c.decode(audio=0)])


def test_audio_stays_in_sync_over_in_out_points(tmp_path):
    """Output sample s must be source sample s + start/fps·rate (within one AAC frame)."""
    src = tmp_path / "noise.mp4"
    _noise_clip(src)
    _run(ExportRequest(src, tmp_path / "cut.mp4", "h264", RenderStacks(), None,
                       start=6, end=18))
    a_src, a_out = _decoded_audio(src), _decoded_audio(tmp_path / "cut.mp4")
    assert abs(len(a_out) - 12 * 1600) <= 1024
    seg = a_out[2000:6000]
    expected = 2000 + 6 * 1600
    lags = range(expected - 2048, expected + 2048)
    scores = [float(np.dot(seg, a_src[g:g + seg.size])) for g in lags]
    best = lags[int(np.argmax(scores))]
    assert abs(best - expected) <= 1024
    corr = max(scores) / np.linalg.norm(seg) / np.linalg.norm(a_src[best:best + seg.size])
    assert corr > 0.5


def _patch_rgb(frame: np.ndarray, index: int) -> list[np.ndarray]:
    """Mean colour inside each object, 4 px away from its edge (chroma subsampling)."""
    import cv2

    out = []
    for oid in CLIP.object_ids:
        inner = cv2.erode(CLIP.mask(index, oid).astype(np.uint8), np.ones((9, 9), np.uint8))
        out.append(frame[inner > 0].mean(axis=0))
    return out


def test_no_effect_export_encodes_the_decoded_pictures(source, tmp_path, monkeypatch):
    """A BT.709 4:2:0 source with no effect skips the RGB round trip and keeps its pixels."""
    from rendering.media import writer

    def no_rgb(self, frame):
        raise AssertionError("RGB conversion used without an effect")

    monkeypatch.setattr(writer.VideoWriter, "prepare", no_rgb)
    _run(ExportRequest(source, tmp_path / "o.mp4", "h264", _stacks(), ClipMasks()))
    info = probe(tmp_path / "o.mp4")
    assert (info.frame_count, info.colour_matrix, info.colour_range) == (
        CLIP.num_frames, "bt709", "limited")
    with VideoSource(tmp_path / "o.mp4") as out, VideoSource(source) as src:
        for i in (0, 13, 23):  # CRF 18 loss only
            assert np.abs(out.read(i).astype(int) - src.read(i).astype(int)).mean() < 3


def test_bt601_source_without_effect_is_converted_to_bt709(tmp_path):
    """Decoded pictures in another matrix must not be passed through under BT.709 tags."""
    src_path = CLIP.write(tmp_path / "sd.mp4", colorspace="bt601", with_audio=False, crf=8)
    _run(ExportRequest(src_path, tmp_path / "o.mp4", "h264", _stacks(), ClipMasks()))
    assert probe(tmp_path / "o.mp4").colour_matrix == "bt709"
    with VideoSource(tmp_path / "o.mp4") as out, VideoSource(src_path) as src:
        for got, want in zip(_patch_rgb(out.read(5), 5), _patch_rgb(src.read(5), 5)):
            assert np.abs(got - want).max() < 2.5, (got, want)


def test_quality_override_and_video_only(source, tmp_path):
    """A CRF replaces the preset's (lower = better, bigger); audio=False writes video only."""
    sizes, errors = {}, {}
    for crf in (10, 40):
        out = tmp_path / f"crf{crf}.mp4"
        _run(ExportRequest(source, out, "h264", _stacks(), ClipMasks(), crf=crf, audio=False))
        info = probe(out)
        assert info.frame_count == CLIP.num_frames and info.audio == ()
        sizes[crf] = out.stat().st_size
        with VideoSource(source) as src, VideoSource(out) as got:
            errors[crf] = np.mean([np.abs(got.read(i).astype(int) - src.read(i)).mean()
                                   for i in (0, 12, 23)])
    assert sizes[40] < sizes[10] / 2 and errors[40] > errors[10]
    kept = tmp_path / "with_audio.mp4"
    _run(ExportRequest(source, kept, "h264", _stacks(), ClipMasks(), crf=30))
    assert len(probe(kept).audio) == 1


@pytest.mark.parametrize("preset,name,crf,message", [
    ("prores4444", "out.mov", 20, "fixed quality"), ("png-rgba", "seq", 20, "fixed quality"),
    ("mask-pngs", "masks", 20, "lossless"), ("h264", "out.mp4", 52, "outside 0..51"),
    ("vp9-alpha", "out.webm", -1, "outside 0..63")])
def test_quality_a_preset_cannot_take_is_a_user_error(source, tmp_path, preset, name, crf,
                                                      message):
    from rendering.errors import OutputSettingsError

    with pytest.raises(OutputSettingsError, match=message) as err:
        _run(ExportRequest(source, tmp_path / name, preset, _stacks(), ClipMasks(), crf=crf))
    assert getattr(err.value, "user_error", False)
    assert not (tmp_path / name).exists() and _leftovers(tmp_path) == []
