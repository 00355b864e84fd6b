"""Imports every effect module so that each registers itself (see ``base.registry``)."""

from __future__ import annotations

from rendering.effects import (  # noqa: F401
    background_blur,
    background_color,
    background_desaturate,
    background_dim,
    background_image,
    background_pixelate,
    background_remove,
    background_video,
    cutout,
    object_blur,
    object_fill,
    object_glow,
    object_highlight,
    object_outline,
    object_pixelate,
    object_remove,
    object_replace,
    spotlight,
)
