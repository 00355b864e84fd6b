"""Effects: immutable parameter dataclasses with a pure ``apply(frame, mask, ctx)``.

Entry points::

    from rendering.effects import make_effect, registry, EffectContext
    blur = make_effect("background-blur", {"radius_px": 30})
    out = blur.apply(frame, mask, EffectContext(frame_index=12))

Also :mod:`rendering.effects.refine` (per-object mask refinement) and
:mod:`rendering.effects.stack` (effect instances with keyframes, JSON round trip).
"""

from __future__ import annotations

from rendering.effects.base import (
    Effect,
    EffectContext,
    UnknownEffectError,
    effect_class,
    make_effect,
    registry,
)

__all__ = ["Effect", "EffectContext", "UnknownEffectError", "effect_class", "make_effect",
           "registry"]
