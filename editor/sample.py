""""Try a sample": a short synthetic clip generated at first use into the user's cache."""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

SAMPLE_NAME = "masklet-sample-v1.mp4"


def cache_dir() -> Path:
    """The per-user cache folder (``$XDG_CACHE_HOME/masklet`` or ``~/.cache/masklet``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "masklet"


def sample_clip_path(folder: Path | None = None) -> Path:
    """Return the sample clip (640×360, 90 frames at 30 fps, with a tone), writing it once."""
    from fractions import Fraction

    from rendering.synthetic import SyntheticClip

    target = (folder or cache_dir()) / SAMPLE_NAME
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.stem + ".part.mp4")
    SyntheticClip(width=640, height=360, num_frames=90, fps=Fraction(30)).write(tmp)
    tmp.replace(target)
    log.info("sample clip written to %s", target)
    return target
