"""The status-bar line shown when a clip or a project opens (Qt-free)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

#: Object names listed in the line before "…".
MAX_NAMES = 3


def fps_text(fps: Fraction | float) -> str:
    """A frame rate as people write it: 30000/1001 → "29.97", 24000/1001 → "23.976", 25 →
    "25" (at most 3 decimals, no trailing zeros)."""
    return f"{float(fps):.3f}".rstrip("0").rstrip(".")


def opened_message(project, num_frames: int, fps: Fraction | float) -> str:
    """What opened: a project (its file name and its objects) or a new clip (what to do)."""
    clip = f"{num_frames} frames at {fps_text(fps)} fps"
    objects = list(project.objects)
    if project.path is None:
        return f"Opened {Path(project.source_path).name}: {clip} — click an object to start"
    if not objects:
        return f"Opened project {project.path.name} ({clip}): no objects yet — click one"
    names = [o.name for o in objects[:MAX_NAMES]] + (["…"] if len(objects) > MAX_NAMES else [])
    count = f"{len(objects)} object{'s' if len(objects) > 1 else ''}"
    return f"Opened project {project.path.name}: {count} ({', '.join(names)}), {clip}"
