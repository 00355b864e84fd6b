"""Desktop integration files are well-formed and agree with each other and the code:
the .desktop entry, AppStream metainfo, shared-mime-info package, icons, user guide."""

from __future__ import annotations

import configparser
import json
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RES = ROOT / "resources"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"
PROJECT_MIME = "application/x-masklet-project"


def app_id() -> str:
    from editor.branding import APP_ID

    return APP_ID


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(RES / f"{app_id()}.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry_keys():
    entry = desktop_entry()
    assert entry["Type"] == "Application" and entry["Name"] == "Masklet"
    assert entry["Exec"].split()[0] == "masklet" and entry["Exec"].split()[1] in ("%f", "%F")
    assert entry["Icon"] == "masklet"
    mime_types = entry["MimeType"].rstrip(";").split(";")
    assert PROJECT_MIME in mime_types and "video/mp4" in mime_types
    assert entry["Categories"].endswith(";") and "AudioVideo" in entry["Categories"]


def test_desktop_entry_passes_desktop_file_validate():
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate (desktop-file-utils) is not installed")
    result = subprocess.run([tool, str(RES / f"{app_id()}.desktop")], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_metainfo_matches_desktop_file_and_version():
    from editor.version import version

    root = ET.parse(RES / f"{app_id()}.metainfo.xml").getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == app_id()
    assert root.find("launchable").text == f"{app_id()}.desktop"
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("project_license") == "Apache-2.0"
    assert root.findtext("provides/mediatype") == PROJECT_MIME
    assert root.findtext("provides/binary") == desktop_entry()["Exec"].split()[0]
    releases = root.findall("releases/release")
    assert releases and releases[0].get("version") == version()  # newest first


def test_mime_package_describes_project_files():
    root = ET.parse(RES / "masklet-mime.xml").getroot()
    assert root.tag == f"{MIME_NS}mime-info"
    (mime,) = root.findall(f"{MIME_NS}mime-type")
    assert mime.get("type") == PROJECT_MIME
    assert [g.get("pattern") for g in mime.findall(f"{MIME_NS}glob")] == ["*.masklet"]
    match = mime.find(f"{MIME_NS}magic/{MIME_NS}match")
    start, end = (int(v) for v in match.get("offset").split(":"))
    # The magic must find what persistence writes at the top of every project file.
    from editor.model.persistence import FORMAT

    head = json.dumps({"format": FORMAT, "schema_version": 1}, indent=1)
    found = head.find(match.get("value"))
    assert start <= found <= end, (head, match.get("value"))


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def test_icons_svg_and_every_png_size():
    from editor.branding import ICON_DIR, ICON_SIZES_PX, icon_paths

    svg = ET.parse(ICON_DIR / "scalable" / "apps" / "masklet.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    for size in ICON_SIZES_PX:
        assert png_size(ICON_DIR / f"{size}x{size}" / "apps" / "masklet.png") == (size, size)
    assert len(icon_paths()) == 1 + len(ICON_SIZES_PX)


def test_user_guide_is_found_and_links_its_screenshots():
    from editor.branding import user_guide_path

    path = user_guide_path()
    assert path == ROOT / "docs" / "user-guide.md"
    text = path.read_text(encoding="utf-8")
    for name in ("welcome.png", "tracking.png", "effects.png", "export.png"):
        assert f"]({name})" in text, name


def test_an_installed_wheel_finds_the_user_guide_and_its_screenshots(tmp_path):
    """Help ▸ User guide works from a pip install too: the wheel carries docs/ beside the
    packages, where editor.branding looks (issue 17 item 9)."""
    pytest.importorskip("setuptools")
    pytest.importorskip("wheel")
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    src = tmp_path / "src"
    for name in tracked.stdout.decode().split("\0"):
        if name and not name.startswith(("tests/", "benchmarks/")) and (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip"]
    built = subprocess.run([*pip, "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                            str(tmp_path / "wheel"), str(src)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    (wheel_file,) = (tmp_path / "wheel").glob("masklet-*.whl")
    site = tmp_path / "site"
    installed = subprocess.run([*pip, "install", "-q", "--no-deps", "--no-index", "--target",
                                str(site), str(wheel_file)], capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    probe = subprocess.run(
        [sys.executable, "-c", "import editor.branding as b; print(b.user_guide_path())"],
        cwd=tmp_path, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr
    guide = Path(probe.stdout.strip())
    assert guide == site / "docs" / "user-guide.md"
    for name in ("welcome.png", "tracking.png", "effects.png", "export.png"):
        assert f"]({name})" in guide.read_text(encoding="utf-8")
        assert (guide.parent / name).is_file(), name
