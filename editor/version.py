"""The application version, kept in one place: ``[project] version`` in ``pyproject.toml``.

Read at run time, never written into the code: from ``pyproject.toml`` when running from a
source checkout (so an editable install never shows a stale number), otherwise from the
installed package's metadata (``importlib.metadata``; a PyInstaller bundle carries it).
Qt-free and cheap: ``main.py --version`` uses it.
"""

from __future__ import annotations

import re
from pathlib import Path

DIST_NAME = "masklet"
_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def version() -> str:
    """E.g. ``"0.1.0"``; ``"0+unknown"`` when neither source can be read."""
    found = pyproject_version(_PYPROJECT)
    if found:
        return found
    from importlib import metadata

    try:
        return metadata.version(DIST_NAME)
    except metadata.PackageNotFoundError:
        return "0+unknown"


def pyproject_version(path: Path) -> str | None:
    """``version`` of the ``[project]`` table of Masklet's ``pyproject.toml``; None if absent."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    # A regular expression, not tomllib: Python 3.10 has no tomllib and the table is simple.
    table = re.search(r"(?ms)^\[project\]\s*$(.*?)(?=^\[|\Z)", text)
    if table is None or not re.search(rf'(?m)^name\s*=\s*"{DIST_NAME}"', table.group(1)):
        return None  # not our pyproject (e.g. a stray one in site-packages)
    match = re.search(r'(?m)^version\s*=\s*"([^"]+)"', table.group(1))
    return match.group(1) if match else None
