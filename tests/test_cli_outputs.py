"""Outputs never destroy what Masklet did not write (issue 16, items 1, 2, 6, 8, 10).

Each test runs the real command line and compares the files on disk before and after.
"""

from __future__ import annotations

import hashlib
import json
import os
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

import main
from rendering.media import probe
from rendering.media.outputs import TAG
from rendering.synthetic import SyntheticClip
from tests.test_cli_track import make_clip, write_prompts

CLIP = SyntheticClip(width=64, height=48, num_frames=8, fps=Fraction(25))


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path → SHA-1 of every file under ``folder`` (folders as ``/``)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        out[rel] = "/" if p.is_dir() else hashlib.sha1(p.read_bytes()).hexdigest()
    return out


def one_line_error(capsys, *needles: str) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.fixture()
def clip(tmp_path):
    video = CLIP.write(tmp_path / "clip.mp4", with_audio=True)
    for oid in CLIP.object_ids:
        folder = tmp_path / "masks" / str(oid)
        folder.mkdir(parents=True)
        for i in range(CLIP.num_frames):
            cv2.imwrite(str(folder / f"{i:05d}.png"), CLIP.mask(i, oid).astype(np.uint8) * 255)
    return tmp_path, video


def render(tmp: Path, video: Path, out: Path, *extra: str) -> int:
    return main.main(["render", str(video), "--masks", str(tmp / "masks"), "--effect",
                      "background-remove", "-o", str(out), *extra])


def users_folder(tmp: Path, video: Path) -> Path:
    """A folder of the user's: their video, notes, a subfolder, a PNG of another name."""
    folder = tmp / "work"
    (folder / "sub").mkdir(parents=True)
    (folder / "clip.mp4").write_bytes(video.read_bytes())
    (folder / "notes.txt").write_text("my notes")
    (folder / "sub" / "keep.png").write_bytes(b"not ours")
    (folder / "poster.png").write_bytes(b"mine too")
    return folder


@pytest.mark.parametrize("preset", ["png-rgba", "mask-pngs"])
def test_folder_export_into_a_users_folder_is_refused_and_touches_nothing(clip, capsys,
                                                                         preset):
    tmp, video = clip
    folder = users_folder(tmp, video)
    before = snapshot(folder)
    assert render(tmp, video, folder, "--preset", preset) == 2
    one_line_error(capsys, str(folder), "did not write", "--overwrite")
    assert snapshot(folder) == before


@pytest.mark.parametrize("preset", ["png-rgba", "mask-pngs"])
def test_overwrite_replaces_only_our_frame_files(clip, capsys, preset):
    tmp, video = clip
    folder = users_folder(tmp, video)
    before = snapshot(folder)
    # frames of an earlier, longer export of ours: the new one has fewer frames
    stale = folder / "00099.png" if preset == "png-rgba" else folder / "9" / "00099.png"
    stale.parent.mkdir(exist_ok=True)
    stale.write_bytes(b"old frame")
    assert render(tmp, video, folder, "--preset", preset, "--overwrite", "--end", "5") == 0
    after = snapshot(folder)
    for rel, digest in before.items():  # every file of the user's is still there, unchanged
        assert after[rel] == digest
    assert not stale.exists() and not (folder / "9").exists()
    new = sorted(set(after) - set(before))
    if preset == "png-rgba":
        assert new == [f"{i:05d}.png" for i in range(5)]
        rgba = cv2.imread(str(folder / "00002.png"), cv2.IMREAD_UNCHANGED)
        assert rgba.shape == (CLIP.height, CLIP.width, 4)
        # background removed: alpha follows the objects' union
        union = np.zeros((CLIP.height, CLIP.width), bool)
        for oid in CLIP.object_ids:
            union |= CLIP.mask(2, oid)
        assert (rgba[..., 3] > 127).mean() == pytest.approx(union.mean(), abs=0.02)
    else:
        ids = [str(i) for i in CLIP.object_ids]
        assert new == sorted(ids + [f"{i}/{k:05d}.png" for i in ids for k in range(5)])


def test_a_folder_of_our_own_frames_is_replaced_without_asking(clip):
    tmp, video = clip
    out = tmp / "frames_out"
    assert render(tmp, video, out, "--preset", "png-rgba") == 0
    assert len(list(out.iterdir())) == CLIP.num_frames
    assert render(tmp, video, out, "--preset", "png-rgba", "--start", "2", "--end", "5") == 0
    assert sorted(p.name for p in out.iterdir()) == ["00000.png", "00001.png", "00002.png"]
    empty = tmp / "empty"
    empty.mkdir()
    assert render(tmp, video, empty, "--preset", "mask-pngs") == 0
    assert sorted(p.name for p in empty.iterdir()) == [str(i) for i in CLIP.object_ids]


def test_existing_files_are_replaced_only_when_ours_or_asked(clip, capsys):
    tmp, video = clip
    theirs = tmp / "theirs.mp4"
    theirs.write_bytes(video.read_bytes())  # a video Masklet did not write
    digest = hashlib.sha1(theirs.read_bytes()).hexdigest()
    assert render(tmp, video, theirs) == 2
    one_line_error(capsys, str(theirs), "--overwrite")
    assert hashlib.sha1(theirs.read_bytes()).hexdigest() == digest
    assert render(tmp, video, theirs, "--overwrite", "--end", "3") == 0
    assert probe(theirs).frame_count == 3
    # our own output carries the tag and is replaced by the next export without asking
    ours = tmp / "ours.mov"
    assert render(tmp, video, ours, "--preset", "prores4444") == 0
    import av
    with av.open(str(ours)) as c:
        assert c.metadata.get("comment") == TAG
    assert render(tmp, video, ours, "--preset", "prores4444", "--end", "4") == 0
    assert probe(ours).frame_count == 4


def test_output_that_is_an_input_is_refused(clip, capsys, tmp_path):
    tmp, video = clip
    digest = hashlib.sha1(video.read_bytes()).hexdigest()
    link = tmp / "link.mp4"
    link.symlink_to(video)
    hard = tmp / "hard.mp4"
    os.link(video, hard)
    masks_before = snapshot(tmp / "masks")
    cases = [(video, []), (link, []), (hard, []), (hard, ["--overwrite"]),
             (tmp / "masks", ["--preset", "mask-pngs", "--overwrite"]),
             (tmp / "masks" / "1", ["--preset", "png-rgba", "--overwrite"]),
             (tmp / "masks" / "inside.mp4", [])]
    for out, extra in cases:
        assert render(tmp, video, out, *extra) == 2, out
        one_line_error(capsys, str(out))
        assert hashlib.sha1(video.read_bytes()).hexdigest() == digest
        assert snapshot(tmp / "masks") == masks_before
    assert not (tmp / "masks" / "inside.mp4").exists()


def test_image_folder_input_is_not_an_output(tmp_path, capsys):
    make_clip(tmp_path / "frames")
    before = snapshot(tmp_path / "frames")
    (tmp_path / "m" / "1").mkdir(parents=True)
    for i in range(12):
        cv2.imwrite(str(tmp_path / "m" / "1" / f"{i:05d}.png"), np.zeros((96, 128), np.uint8))
    rc = main.main(["render", str(tmp_path / "frames"), "--masks", str(tmp_path / "m"),
                    "--effect", "object-blur", "--preset", "png-rgba", "--overwrite",
                    "-o", str(tmp_path / "frames")])
    assert rc == 2
    one_line_error(capsys, "input")
    assert snapshot(tmp_path / "frames") == before


def test_render_project_refuses_its_own_files(tmp_path, capsys):
    from editor.model import AddObject, MediaSnapshot, Project, ProjectObject, save_project

    video = CLIP.write(tmp_path / "clip.mp4")
    project = Project(source_path=video, media=MediaSnapshot.from_media_info(probe(video)))
    project.execute(AddObject(project, ProjectObject(1, "disc")))
    for i in range(CLIP.num_frames):
        project.masks.write(1, i, np.where(CLIP.mask(i, 1), 20.0, -20.0).astype(np.float32), 5.0)
    path = save_project(project, tmp_path / "p.masklet")
    digest = hashlib.sha1(path.read_bytes()).hexdigest()
    assert save_project(project) == path  # a second save makes the backup
    for out, extra in [(path, ["--preset", "h264", "--overwrite"]),
                       (tmp_path / "p.masklet.bak", ["--preset", "h264", "--overwrite"]),
                       (tmp_path / "p.masklet.d", ["--preset", "mask-pngs", "--overwrite"]),
                       (tmp_path / "p.masklet.d" / "x.mp4", [])]:
        rc = main.main(["render", str(path), "-o", str(out), *extra])
        assert rc == 2, out
        one_line_error(capsys, str(out))
        assert hashlib.sha1(path.read_bytes()).hexdigest() == digest


def test_stale_partials_of_killed_runs_are_removed(clip):
    tmp, video = clip
    out = tmp / "out.mp4"
    dead = tmp / ".out.partial-999999999-0123abcd.mp4"   # no such process
    old = tmp / ".out.partial-89abcdef.mp4"              # an older version's name
    live = tmp / f".out.partial-{os.getpid()}-fedcba98.mp4"  # a running export (this one)
    other = tmp / ".other.partial-999999999-0123abcd.mp4"    # another output's
    for p in (dead, old, live, other):
        p.write_bytes(b"partial")
    stale_dir = tmp / ".frames.partial-999999999-0badf00d"
    stale_dir.mkdir()
    (stale_dir / "00000.png").write_bytes(b"x")
    assert render(tmp, video, out, "--end", "2") == 0
    assert not dead.exists() and not old.exists()
    assert live.exists() and other.exists()
    assert render(tmp, video, tmp / "frames", "--preset", "png-rgba", "--end", "2") == 0
    assert not stale_dir.exists()
    assert sorted(p.name for p in tmp.iterdir() if ".partial-" in p.name) == \
        sorted([live.name, other.name])


def test_masks_of_another_size_or_missing_frames_are_errors(clip, capsys):
    tmp, video = clip
    small = tmp / "small"
    (small / "1").mkdir(parents=True)
    for i in range(CLIP.num_frames):
        cv2.imwrite(str(small / "1" / f"{i:05d}.png"), np.full((24, 32), 255, np.uint8))
    out = tmp / "o.mp4"
    rc = main.main(["render", str(video), "--masks", str(small), "--effect",
                    "background-blur", "-o", str(out)])
    assert rc == 2 and not out.exists()
    one_line_error(capsys, "32×24", f"{CLIP.width}×{CLIP.height}", "another clip")
    # a track summary says frames 0..7 were written; frame 5 was deleted since
    (tmp / "masks" / "summary.json").write_text(json.dumps({
        "frames": {"start": 0, "end": CLIP.num_frames, "count": CLIP.num_frames},
        "objects": [{"id": i, "first_prompt_frame": 0} for i in CLIP.object_ids]}))
    (tmp / "masks" / "1" / "00005.png").unlink()
    assert render(tmp, video, out) == 2 and not out.exists()
    one_line_error(capsys, "00005.png", "missing", "re-run")


def track(tmp: Path, prompts: Path, out: Path, *extra: str) -> int:
    return main.main(["track", str(tmp / "frames"), "--prompts", str(prompts), "-o", str(out),
                      "--engine", "offline", *extra])


def test_track_into_an_old_folder_removes_its_stale_objects_only(tmp_path, capsys):
    make_clip(tmp_path / "frames")
    two = write_prompts(tmp_path, [{"id": 1, "prompts": [{"frame": 0, "box": [8, 28, 36, 56]}]},
                                   {"id": 2, "prompts": [{"frame": 0, "box": [60, 5, 90, 20]}]}])
    out = tmp_path / "out"
    assert track(tmp_path, two, out) == 0
    capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == ["1", "2", "summary.json"]
    one = write_prompts(tmp_path, [{"id": 1, "prompts": [{"frame": 2, "box": [14, 30, 42, 58]}]}])
    assert track(tmp_path, one, out, "--start", "2") == 0
    capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == ["1", "summary.json"]
    assert sorted(p.name for p in (out / "1").iterdir())[0] == "00002.png"  # no stale 0, 1
    # a user's file in the folder: refused without --overwrite, kept with it
    (out / "notes.txt").write_text("mine")
    (out / "1" / "mine.txt").write_text("mine")
    before = snapshot(out)
    assert track(tmp_path, one, out) == 2
    one_line_error(capsys, str(out), "did not write", "--overwrite")
    assert snapshot(out) == before
    assert track(tmp_path, one, out, "--overwrite") == 0
    assert (out / "notes.txt").read_text() == "mine" and (out / "1" / "mine.txt").exists()
    assert len(list((out / "1").glob("*.png"))) == 12


def test_track_refuses_its_input_folder(tmp_path, capsys):
    make_clip(tmp_path / "frames")
    before = snapshot(tmp_path / "frames")
    prompts = write_prompts(tmp_path, [{"id": 1, "prompts": [{"frame": 0,
                                                             "box": [8, 28, 36, 56]}]}])
    assert track(tmp_path, prompts, tmp_path / "frames", "--overwrite") == 2
    one_line_error(capsys, "input")
    assert track(tmp_path, prompts, tmp_path / "frames" / "sub", "--overwrite") == 2
    one_line_error(capsys, "inside")
    assert snapshot(tmp_path / "frames") == before
