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
    from segmentation.offline.confidence import score_from_confidence

    # the prompted frame is certain: the highest score the offline engine gives
    assert len(scores) == N and all(s > 0 for s in scores)
    assert scores[6] == pytest.approx(score_from_confidence(1.0)) == pytest.approx(max(scores))
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
    # the editor's recommendation on this machine (no CUDA GPU in the tests): Fast
    assert "`python main.py models download efficienttam_s_512x512` (about 136 MB)" in err
    assert "--engine offline" in err


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


# ------------------------------------------------------------------ SAM 2 engine
def tiny_sam2_config() -> dict:
    """sam2.1_hiera_t with every width shrunk (the micro fixture's recipe): 256-px input."""
    from tests.micro_sam2 import micro_hyperparameters

    return {"config": "tiny-test", "hyperparameters": micro_hyperparameters()}


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    """A random-weight tiny model saved as an official ``{"model": state_dict}`` checkpoint,
    with its config beside it as ``<stem>.json`` (how the CLI finds a custom model's config)."""
    import torch

    from segmentation.sam2 import build_sam2
    from segmentation.sam2.checkpoint import save_checkpoint

    folder = tmp_path_factory.mktemp("weights")
    config = tiny_sam2_config()
    torch.manual_seed(0)
    save_checkpoint(build_sam2(config), folder / "tiny.pt")
    (folder / "tiny.json").write_text(json.dumps(config))
    return folder / "tiny.pt"


def run_sam2(tmp_path, prompts_path, checkpoint, *extra):
    out = tmp_path / "out"
    rc = main.main(["track", str(tmp_path / "frames"), "--prompts", str(prompts_path),
                    "-o", str(out), "--engine", "sam2", "--checkpoint", str(checkpoint),
                    "--device", "cpu", *extra])
    return rc, out


def test_sam2_engine_writes_every_frame_and_keeps_a_mask_prompt(clip, tiny_checkpoint):
    tmp_path, masks = clip
    ys, xs = np.nonzero(masks[2])
    prompts = write_prompts(tmp_path, [
        {"id": 3, "name": "square", "prompts": [{"frame": 6, "mask": "m6.png"}]},
        {"id": 7, "prompts": [{"frame": 2, "points": [[int(xs.mean()), int(ys.mean())]],
                               "labels": [1]}]}])
    rc, out = run_sam2(tmp_path, prompts, tiny_checkpoint, "--start", "1", "--end", "10")
    assert rc == 0
    for oid in (3, 7):
        files = sorted(p.name for p in (out / str(oid)).iterdir())
        assert files == [f"{t:05d}.png" for t in range(1, 10)], oid
    for png_path in (out / "7").iterdir():
        png = cv2.imread(str(png_path), cv2.IMREAD_UNCHANGED)
        assert png.shape == (H, W) and png.dtype == np.uint8
        assert set(np.unique(png)) <= {0, 255}
    # a mask prompt is its own output on its frame (official add_new_mask), up to the
    # model's 64×64 low-res grid
    on_prompt = cv2.imread(str(out / "3" / "00006.png"), cv2.IMREAD_UNCHANGED) > 0
    assert iou(on_prompt, masks[6]) > 0.9
    summary = json.loads((out / "summary.json").read_text())
    assert summary["engine"] == "sam2 (tiny.pt, cpu, float32)"
    assert summary["frames"] == {"start": 1, "end": 10, "count": 9}
    assert summary["masks_written"] == 18 and not summary["interrupted"]
    scores = summary["object_scores"]
    assert all(len(scores[k]) == 9 and None not in scores[k] for k in ("3", "7"))
    assert scores["3"][5] == 10.0  # a mask prompt's object score on its frame (official)


def test_sam2_engine_bfloat16_soft(clip, tiny_checkpoint):
    tmp_path, masks = clip
    prompts = write_prompts(tmp_path, [{"id": 1, "prompts": [{"frame": 0, "mask": "m6.png"}]}])
    rc, out = run_sam2(tmp_path, prompts, tiny_checkpoint, "--end", "3", "--dtype",
                       "bfloat16", "--soft")
    assert rc == 0
    assert len(list((out / "1").iterdir())) == 3
    png = cv2.imread(str(out / "1" / "00000.png"), cv2.IMREAD_UNCHANGED)
    assert iou(png >= 128, masks[6]) > 0.9 and np.any((png > 0) & (png < 255))


@pytest.mark.parametrize("content", [b"", b"hello", b"PK\x03\x04" + bytes(range(256)) * 8])
def test_sam2_garbage_checkpoint_is_one_line_naming_the_file(clip, capsys, content):
    tmp_path, _ = clip
    bad = tmp_path / "bad.pt"
    bad.write_bytes(content)
    prompts = write_prompts(tmp_path, [{"id": 1, "prompts": [{"frame": 0, "points": [[20, 40]]}]}])
    rc, out = run_sam2(tmp_path, prompts, bad)
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "\n" not in err
    assert err.startswith(f"masklet: error: {bad}: not a readable SAM 2 checkpoint")
    assert not (out / "1").exists()


def test_sam2_missing_checkpoint_names_the_file(clip, capsys):
    tmp_path, _ = clip
    prompts = write_prompts(tmp_path, [{"id": 1, "prompts": [{"frame": 0, "points": [[20, 40]]}]}])
    rc, _ = run_sam2(tmp_path, prompts, tmp_path / "gone.pt")
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "\n" not in err
    assert f"checkpoint {tmp_path / 'gone.pt'} does not exist" in err and "--engine offline" in err


def test_sam2_custom_checkpoint_without_its_config_says_so(clip, tiny_checkpoint, tmp_path,
                                                          capsys):
    clip_dir, _ = clip
    lone = tmp_path / "lone" / "model.pt"
    lone.parent.mkdir()
    lone.write_bytes(tiny_checkpoint.read_bytes())
    prompts = write_prompts(clip_dir, [{"id": 1, "prompts": [{"frame": 0, "points": [[20, 40]]}]}])
    rc, _ = run_sam2(clip_dir, prompts, lone)
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "\n" not in err
    assert f"{lone}: checkpoint does not fit config" in err and "model.json or config.json" in err


def test_sam2_engine_with_the_micro_reference_checkpoint(clip, sam2_reference):
    tmp_path, masks = clip
    prompts = write_prompts(tmp_path, [{"id": 2, "prompts": [{"frame": 6, "mask": "m6.png"}]}])
    rc, out = run_sam2(tmp_path, prompts, sam2_reference / "micro" / "checkpoint.pt",
                       "--start", "4", "--end", "9")
    assert rc == 0
    assert sorted(p.name for p in (out / "2").iterdir()) == [f"{t:05d}.png" for t in range(4, 9)]
    on_prompt = cv2.imread(str(out / "2" / "00006.png"), cv2.IMREAD_UNCHANGED) > 0
    assert iou(on_prompt, masks[6]) > 0.9


# ------------------------------------------------------------------ one-line errors
def assert_one_line_error(capsys, *needles):
    """stderr is exactly one ``masklet: error:`` line holding every needle, no traceback."""
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("masklet: error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, err)
    return lines[0]


def test_output_onto_an_existing_file_is_one_line(clip, capsys):
    tmp_path, _ = clip
    prompts = write_prompts(tmp_path, [{"id": 1, "prompts": [{"frame": 6, "mask": "m6.png"}]}])
    (tmp_path / "out").write_bytes(b"not ours")
    rc, out = run(tmp_path, prompts)
    assert rc == 2
    assert_one_line_error(capsys, str(out))
    assert out.read_bytes() == b"not ours"


def test_output_on_a_read_only_file_system_is_one_line(clip, capsys, monkeypatch):
    """Tests run as root, which ignores permission bits: the file system refuses instead."""
    import errno
    import os
    from pathlib import Path

    tmp_path, _ = clip
    prompts = write_prompts(tmp_path, [{"id": 1, "prompts": [{"frame": 6, "mask": "m6.png"}]}])
    read_only = tmp_path / "ro"
    real_mkdir = Path.mkdir

    def mkdir(self, *args, **kwargs):
        if read_only in (self, *self.parents):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    rc = main.main(["track", str(tmp_path / "frames"), "--prompts", str(prompts),
                    "-o", str(read_only / "out"), "--engine", "offline"])
    assert rc == 2
    assert_one_line_error(capsys, str(read_only / "out"), "Read-only file system")


def test_summary_that_cannot_be_written_is_a_user_error(tmp_path):
    (tmp_path / "out").write_bytes(b"a file, not a folder")
    with pytest.raises(track_cli.TrackError) as info:
        track_cli.write_json(tmp_path / "out" / "summary.json", {"version": 1})
    assert getattr(type(info.value), "user_error", False)
    assert str(tmp_path / "out" / "summary.json") in str(info.value)
    assert "Not a directory" in str(info.value)


def test_prompts_file_that_is_not_utf8_is_one_line(clip, capsys):
    tmp_path, _ = clip
    prompts = tmp_path / "P.json"
    prompts.write_bytes(b'{"version": 1, "objects": [{"id": 1, "name": "caf\xe9"}]}')
    rc, _ = run(tmp_path, prompts)
    assert rc == 2
    assert_one_line_error(capsys, str(prompts), "UTF-8")


def test_prompts_file_nested_too_deeply_is_one_line(clip, capsys):
    tmp_path, _ = clip
    prompts = tmp_path / "P.json"
    prompts.write_text('{"version": 1, "objects": ' + "[" * 100_000 + "]" * 100_000 + "}")
    rc, _ = run(tmp_path, prompts)
    assert rc == 2
    assert_one_line_error(capsys, str(prompts), "nested")
