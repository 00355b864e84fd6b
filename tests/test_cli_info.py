"""``main.py info``: JSON on stdout, no torch/Qt imported, one-line errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from rendering.synthetic import SyntheticClip

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "PySide6", "PyQt5", "PyQt6")


def run_main(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_info_prints_json(tmp_path) -> None:
    clip = SyntheticClip(width=64, height=48, num_frames=20, fps=Fraction(25))
    path = clip.write(tmp_path / "c.mp4")
    result = run_main("info", str(path))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["frame_count"], data["avg_rate"], data["width"], data["height"]) == \
        (20, "25/1", 64, 48)
    assert data["audio"][0]["sample_rate_hz"] == 48000


def test_info_on_image_folder_uses_fps(tmp_path) -> None:
    SyntheticClip(width=32, height=32, num_frames=5).write_image_folder(tmp_path / "f", ".jpg")
    data = json.loads(run_main("info", str(tmp_path / "f"), "--fps", "24").stdout)
    assert (data["kind"], data["frame_count"], data["avg_rate"]) == ("image_folder", 5, "24/1")


def test_help_and_info_import_neither_torch_nor_qt(tmp_path) -> None:
    path = SyntheticClip(width=32, height=32, num_frames=3).write(tmp_path / "c.mp4")
    probe_code = (
        "import sys, contextlib, io\n"
        "sys.argv = ['main.py'] + sys.argv[1:]\n"
        "import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        rc = main.main(sys.argv[1:])\n"
        "    except SystemExit as e:\n"
        "        rc = e.code\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(rc, heavy)\n"
    )
    for args in (["--help"], ["info", str(path)]):
        result = subprocess.run([sys.executable, "-c", probe_code, *args], cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert result.stdout.strip() == "0 []", (args, result.stdout, result.stderr)


def test_dog_clip_info(clips_dir: Path) -> None:
    result = run_main("info", str(clips_dir / "sam2-gallery_01_dog" / "01_dog.mp4"))
    data = json.loads(result.stdout)
    assert (data["frame_count"], data["avg_rate"], data["width"], data["height"]) == \
        (289, "30000/1001", 1280, 720)
    assert [(a["sample_rate_hz"], a["channels"]) for a in data["audio"]] == [(48000, 2)]


@pytest.mark.parametrize("kind", ["missing", "text", "truncated", "audio_only", "zero_frames"])
def test_bad_input_one_line_error(tmp_path, kind) -> None:
    from tests.rendering.test_media_probe import make_bad_input

    path = make_bad_input(tmp_path, kind)
    result = run_main("info", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("masklet: error: ") and str(path) in lines[0]
