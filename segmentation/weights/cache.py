"""Where checkpoints live on this machine, and the record kept next to each one.

Folder (first match): ``$MASKLET_MODELS_DIR``; Windows ``%LOCALAPPDATA%\\Masklet\\models``;
macOS ``~/Library/Caches/Masklet/models``; otherwise ``$XDG_CACHE_HOME/masklet/models``
(default ``~/.cache/masklet/models``).

Each verified checkpoint ``NAME.pt`` has a record ``NAME.pt.json`` next to it:
``{"name", "file", "size_bytes", "sha256", "url", "recorded_at"}``; ``models verify`` checks
the file against it. Downloads in progress are ``NAME.pt.part``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ENV_MODELS_DIR = "MASKLET_MODELS_DIR"


def models_dir() -> Path:
    """The checkpoint folder for this user and platform (not created here)."""
    override = os.environ.get(ENV_MODELS_DIR)
    if override:
        return Path(override).expanduser()
    home = Path.home()
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(base) / "Masklet" / "models"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "Masklet" / "models"
    base = os.environ.get("XDG_CACHE_HOME") or str(home / ".cache")
    return Path(base) / "masklet" / "models"


@dataclass(frozen=True)
class ChecksumRecord:
    """What was verified about a checkpoint file when it was installed."""

    name: str
    file: str
    size_bytes: int
    sha256: str
    url: str
    recorded_at: str


def record_path(weights_path: Path) -> Path:
    return weights_path.with_name(weights_path.name + ".json")


def part_path(weights_path: Path) -> Path:
    return weights_path.with_name(weights_path.name + ".part")


def read_record(weights_path: Path) -> ChecksumRecord | None:
    """The record next to ``weights_path``, or None when absent or unreadable."""
    try:
        data = json.loads(record_path(weights_path).read_text(encoding="utf-8"))
        return ChecksumRecord(**{k: data[k] for k in ChecksumRecord.__dataclass_fields__})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_record(weights_path: Path, name: str, sha256: str, url: str) -> ChecksumRecord:
    """Write the record atomically (temporary file, then rename)."""
    record = ChecksumRecord(name, weights_path.name, weights_path.stat().st_size, sha256, url,
                            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    target = record_path(weights_path)
    fd, tmp = tempfile.mkstemp(prefix=target.name, suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(asdict(record), fh, indent=2)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return record
