"""What the window is looking at: the frame and the selected object (the controllers share
it instead of reading each other's attributes)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ViewState:
    """``frame_index``: the frame in the viewer (0-based); ``current_object``: the selected
    object's id, None when none is selected."""

    frame_index: int = 0
    current_object: int | None = None
