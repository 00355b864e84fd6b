"""``masklet render VIDEO --masks DIR --effect NAME``: output decodes, pixels, audio, Ctrl+C."""

from __future__ import annotations

from fractions import Fraction

import cv2
import numpy as np
import pytest

import main
from editor.cli import render as render_cli
from rendering.media import VideoSource, probe
from rendering.synthetic import CIRCLE_ID, RECTANGLE_ID, SyntheticClip

CLIP = SyntheticClip(width=128, height=72, num_frames=20, fps=Fraction(25))


@pytest.fixture()
def clip(tmp_path):
    video = CLIP.write(tmp_path / "clip.mp4", with_audio=True)
    for oid in CLIP.object_ids:
        folder = tmp_path / "masks" / str(oid)
        folder.mkdir(parents=True)
        for i in range(CLIP.num_frames):
            soft = cv2.GaussianBlur(CLIP.mask(i, oid).astype(np.float32), (0, 0), 0.7)
            cv2.imwrite(str(folder / f"{i:05d}.png"), np.round(soft * 255).astype(np.uint8))
    return tmp_path, video


def test_background_blur_render_plays_back_with_audio(clip, capsys):
    tmp, video = clip
    out = tmp / "out.mp4"
    rc = main.main(["render", str(video), "--masks", str(tmp / "masks"), "--effect",
                    "background-blur", "-o", str(out), "--start", "4", "--end", "16"])
    assert rc == 0
    assert "12/12" in capsys.readouterr().err
    info = probe(out)
    assert info.frame_count == 12 and info.avg_rate == CLIP.fps and info.audio
    assert abs(info.audio[0].duration_s - Fraction(12, 25)) <= Fraction(1024, 48000)
    with VideoSource(out) as o, VideoSource(video) as s:
        got, src = o.read(3).astype(int), s.read(7).astype(int)
    core = cv2.erode((CLIP.mask(7, CIRCLE_ID) | CLIP.mask(7, RECTANGLE_ID)).astype(np.uint8),
                     np.ones((5, 5), np.uint8)).astype(bool)
    far = ~cv2.dilate(core.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    assert np.abs(got - src)[core].mean() < 3           # objects kept
    assert np.abs(got - src)[far].mean() > 6            # background blurred


def test_ctrl_c_stops_and_leaves_nothing(clip, monkeypatch, capsys):
    tmp, video = clip
    calls = []

    def interrupt(self, progress, final=False):
        calls.append(progress.frames_done)
        if len(calls) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(render_cli._Progress, "show", interrupt)
    out = tmp / "out.webm"
    rc = main.main(["render", str(video), "--masks", str(tmp / "masks"), "--effect",
                    "background-remove", "--preset", "vp9-alpha", "-o", str(out)])
    assert rc == 130 and "cancelled" in capsys.readouterr().err
    assert not out.exists() and not [p for p in tmp.iterdir() if ".partial-" in p.name]


def test_user_errors(clip, capsys):
    tmp, video = clip
    rc = main.main(["render", str(video), "--masks", str(tmp / "masks"), "--effect", "nope",
                    "-o", str(tmp / "o.mp4")])
    assert rc == 2 and "unknown effect 'nope'" in capsys.readouterr().err
    rc = main.main(["render", str(video), "--masks", str(tmp / "missing"), "--effect",
                    "object-blur", "-o", str(tmp / "o.mp4")])
    assert rc == 2 and "mask folder not found" in capsys.readouterr().err
    rc = main.main(["render", str(video), "--masks", str(tmp / "masks"), "--effect",
                    "object-blur", "--preset", "prores4444", "-o", str(tmp / "o.mp4")])
    assert rc == 2 and ".mov" in capsys.readouterr().err
    assert not (tmp / "o.mp4").exists()


def test_list_presets(capsys):
    assert main.main(["render", "-", "--list-presets", "-o", "-"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert {"h264", "hevc", "prores4444", "vp9-alpha", "png-rgba", "matte", "mask-pngs",
            "same-as-source"} <= set(names)


def test_project_form_through_the_document_model(clip):
    """``render PROJECT.masklet``: a saved project's objects, keyframed effects, refinement,
    background effect and masks (its in/out range overridden by --start/--end)."""
    from editor.model import EffectRef, Keyframe, MediaSnapshot, Project, ProjectObject
    from editor.model.persistence import save_project

    tmp, video = clip
    fill = EffectRef("object-fill", {"colour": "#00ff00"},
                     keyframes={"opacity": [Keyframe(0, 1.0, "hold")]})
    project = Project(video, MediaSnapshot.from_media_info(probe(video)),
                      [ProjectObject(CIRCLE_ID, "circle", effects=[fill],
                                     refinement={"threshold": 0.5})],
                      [EffectRef("background-remove", {})], in_frame=10)
    for i in range(CLIP.num_frames):
        soft = cv2.imread(str(tmp / "masks" / str(CIRCLE_ID) / f"{i:05d}.png"),
                          cv2.IMREAD_GRAYSCALE)
        project.masks.write_alpha(CIRCLE_ID, i, soft, 1.0)
    save_project(project, tmp / "p.masklet")
    out = tmp / "seq"
    rc = main.main(["render", str(tmp / "p.masklet"), "-o", str(out), "--preset", "png-rgba",
                    "--start", "2", "--end", "5"])
    assert rc == 0
    frames = sorted(out.iterdir())
    assert len(frames) == 3
    rgba = cv2.cvtColor(cv2.imread(str(frames[1]), cv2.IMREAD_UNCHANGED), cv2.COLOR_BGRA2RGBA)
    circle = CLIP.mask(3, CIRCLE_ID)
    core = cv2.erode(circle.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    assert (rgba[core] == (0, 255, 0, 255)).all()
    assert (rgba[..., 3][~(circle | CLIP.mask(3, RECTANGLE_ID))] <= 2).all()


def test_crf_and_no_audio(clip, capsys):
    tmp, video = clip
    sizes = {}
    for crf in ("12", "40"):
        out = tmp / f"crf{crf}.mp4"
        rc = main.main(["render", str(video), "--masks", str(tmp / "masks"), "--effect",
                        "background-dim", "-o", str(out), "--crf", crf, "--no-audio"])
        assert rc == 0
        info = probe(out)
        assert info.frame_count == CLIP.num_frames and info.audio == ()
        sizes[crf] = out.stat().st_size
    assert sizes["40"] < sizes["12"] / 2
    rc = main.main(["render", str(video), "--masks", str(tmp / "masks"), "--effect",
                    "cutout", "--preset", "prores4444", "-o", str(tmp / "x.mov"), "--crf", "20"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "fixed quality" in err and not (tmp / "x.mov").exists()
