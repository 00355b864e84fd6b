"""``background-video``: another clip behind the objects, looped or held on its last frame."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from rendering.effects.base import Effect, EffectContext, param, register
from rendering.effects.pixels import blend, rgb, with_rgb

MODES = ("loop", "hold")


def background_frame_index(frame_index: int, length: int, mode: str) -> int:
    """Which frame of a ``length``-frame background clip goes with source frame
    ``frame_index`` (frame-for-frame, looped or held on the last frame)."""
    if length <= 0:
        raise ValueError("background video has no frames")
    return frame_index % length if mode == "loop" else min(frame_index, length - 1)


@register
@dataclass(frozen=True)
class BackgroundVideo(Effect):
    """Video file behind the objects; read through ``ctx.open_media`` (frame-for-frame)."""

    name = "background-video"
    target = "background"
    path: str = param("", "Video", kind="file")
    mode: str = param("loop", "At the end", kind="choice", choices=MODES)

    def apply(self, frame: np.ndarray, mask: np.ndarray, ctx: EffectContext) -> np.ndarray:
        if ctx.open_media is None:
            raise ValueError("background-video needs ctx.open_media")
        clip = ctx.open_media(self.path)
        other = clip.read(background_frame_index(ctx.frame_index, len(clip), self.mode))
        h, w = frame.shape[:2]
        if other.shape[:2] != (h, w):
            other = cv2.resize(other, (w, h), interpolation=cv2.INTER_AREA)
        colour = np.ascontiguousarray(rgb(frame))
        return with_rgb(frame, blend(np.ascontiguousarray(other[..., :3]), colour, mask))
