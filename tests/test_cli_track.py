"""``masklet track`` end to end on a synthetic image folder with exact masks (offline engine)."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

import main
from editor.cli import track as track_cli

H, W, N, SIDE = 96, 128, 12, 24


def make_clip(folder):
    """PNG frames of a red square moving right over a textured background; exact masks."""
    rng = np.random.default_rng(3)
    bg = np.kron(rng.integers(0, 256, (H // 8, W // 8, 3)), np.ones((8, 8, 1))).astype(np.uint8)
    bg[..., 0] //= 3
    patch = np.kron(rng.integers(0, 60, (SIDE // 4, SIDE // 4, 3)), np.ones((4, 4, 1)))
    patch = (patch + [190, 0, 20]).astype(np.uint8)
    folder.mkdir()
    masks = []
    for t in range(N):
        frame, mask = bg.copy(), np.zeros((H, W), bool)
        x, y = 10 + 3 * t, 30 + t
        frame[y : y + SIDE, x : x + SIDE] = patch
        mask[y : y + SIDE, x : x + SIDE] = True
        cv2.imwrite(str(folder / f"{t:05d}.png"), frame[..., ::-1])
        masks.append(mask)
    return np.stack(masks)


@pytest.fixture()
def clip(tmp_path):
    masks = make_clip(tmp_path / "frames")
    cv2.imwrite(str(tmp_path / "m6.png"), masks[6].astype(np.uint8))
    return tmp_path, masks


def write_prompts(tmp_path, prompts):
    path = tmp_path / "P.json"
    path.write_text(json.dumps({"version": 1, "objects": prompts}))
    return path


def iou(a, b):
    return np.count_nonzero(a & b) / max(1, np.count_nonzero(a | b))


def run(tmp_path, prompts_path, *extra):
    out = tmp_path / "out"
    rc = main.main(["track", str(tmp_path / "frames"), "--prompts", str(prompts_path),
                    "-o", str(out), "--engine", "offline", *extra])
    return rc, out


def test_track_writes_every_frame_from_a_middle_prompt(clip):
    tmp_path, masks = clip
    prompts = write_prompts(tmp_path, [{"id": 3, "name": "square",
                                        "prompts": [{"frame": 6, "mask": "m6.png"}]}])
    rc, out = run(tmp_path, prompts)
    assert rc == 0
    files = sorted(p.name for p in (out / "3").iterdir())
    assert files == [f"{t:05d}.png" for t in range(N)]  # forward and reverse passes
    for t in range(N):
        png = cv2.imread(str(out / "3" / f"{t:05d}.png"), cv2.IMREAD_UNCHANGED)
        assert png.dtype == np.uint8 and set(np.unique(png)) <= {0, 255}
        assert iou(png > 0, masks[t]) > 0.85, t
    summary = json.loads((out / "summary.json").read_text())
    assert summary["frames"] == {"start": 0, "end": N, "count": N}
    assert summary["objects"] == [{"id": 3, "name": "square", "first_prompt_frame": 6,
                                   "frames_present": N}]
    scores = summary["object_scores"]["3"]
    assert len(scores) == N and all(s > 0 for s in scores) and scores[6] == 10.0
    assert summary["engine"] == "offline" and not summary["interrupted"]
    assert summary["timing"]["tracked_frames"] == N + 1  # frame 6 is visited by both passes


def test_soft_masks_and_frame_range(clip):
    tmp_path, masks = clip
    ys, xs = np.nonzero(masks[2])
    prompts = write_prompts(tmp_path, [{"id": 1, "prompts": [
        {"frame": 2, "box": [int(xs.min()) - 3, int(ys.min()) - 3, int(xs.max()) + 4,
                             int(ys.max()) + 4]}]}])
    rc, out = run(tmp_path, prompts, "--start", "2", "--end", "7", "--soft")
    assert rc == 0
    assert sorted(p.name for p in (out / "1").iterdir()) == [f"{t:05d}.png" for t in range(2, 7)]
    png = cv2.imread(str(out / "1" / "00004.png"), cv2.IMREAD_UNCHANGED)
    assert np.any((png > 0) & (png < 255))  # soft edge
    assert iou(png >= 128, masks[4]) > 0.75
    summary = json.loads((out / "summary.json").read_text())
    assert summary["frames"] == {"start": 2, "end": 7, "count": 5} and summary["soft"]


def test_ctrl_c_keeps_the_frames_written(clip, monkeypatch):
    tmp_path, masks = clip
    prompts = write_prompts(tmp_path, [{"id": 1, "prompts": [{"frame": 6, "mask": "m6.png"}]}])
    real_write = track_cli.write_png
    calls = []

    def write_then_interrupt(path, image):
        if len(calls) == 4:
            raise KeyboardInterrupt
        calls.append(path)
        real_write(path, image)

    monkeypatch.setattr(track_cli, "write_png", write_then_interrupt)
    rc, out = run(tmp_path, prompts)
    assert rc == 130
    assert sorted((out / "1").iterdir()) == sorted(calls)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["interrupted"] and summary["masks_written"] == 4
    assert not list((out / "1").glob(".*.tmp"))


def test_without_weights_the_error_says_how_to_get_them(clip, monkeypatch, capsys):
    tmp_path, _ = clip
    monkeypatch.setenv("MASKLET_MODELS_DIR", str(tmp_path / "no-models"))
    prompts = write_prompts(tmp_path, [{"id": 1, "prompts": [{"frame": 0, "points": [[20, 40]]}]}])
    rc = main.main(["track", str(tmp_path / "frames"), "--prompts", str(prompts),
                    "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2
    assert "python main.py models download sam2.1_hiera_tiny" in err and "--engine offline" in err


def test_bad_prompts_name_object_and_frame(clip, capsys):
    tmp_path, _ = clip
    prompts = write_prompts(tmp_path, [{"id": 5, "prompts": [{"frame": 40, "points": [[1, 1]]}]}])
    rc, _ = run(tmp_path, prompts)
    assert rc == 2
    assert "object 5, prompt 0 (frame 40): 'frame' is past the clip's end" in capsys.readouterr().err


def test_frame_range_errors(clip, capsys):
    tmp_path, _ = clip
    prompts = write_prompts(tmp_path, [{"id": 1, "prompts": [{"frame": 0, "points": [[20, 40]]}]}])
    assert run(tmp_path, prompts, "--start", "5", "--end", "3")[0] == 2
    assert "--end 3 must be after --start 5" in capsys.readouterr().err
    assert run(tmp_path, prompts, "--start", "3")[0] == 2
    assert "no prompt lies in frames 3..11" in capsys.readouterr().err
