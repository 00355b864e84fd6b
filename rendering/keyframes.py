"""Keyframed effect parameters: hold or linear interpolation between keyframes.

A :class:`KeyframeTrack` animates one parameter. Before the first keyframe the first value
holds, after the last the last value holds. Between keyframes ``k`` and ``k+1`` the
interpolation of ``k`` applies: ``"hold"`` keeps ``k``'s value until ``k+1``'s frame,
``"linear"`` mixes numbers (and ``#rrggbb`` colours per channel); other values (text, bools)
always hold. Times are integer source frame indices.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

INTERPOLATIONS = ("hold", "linear")


@dataclass(frozen=True)
class Keyframe:
    """One keyframe: ``value`` at ``frame_index``, then ``interpolation`` to the next."""

    frame_index: int
    value: Any
    interpolation: str = "linear"

    def __post_init__(self) -> None:
        if self.interpolation not in INTERPOLATIONS:
            raise ValueError(f"interpolation {self.interpolation!r} is not one of "
                             f"{INTERPOLATIONS}")

    def to_json(self) -> list:
        return [self.frame_index, self.value, self.interpolation]

    @classmethod
    def from_json(cls, data: list | dict) -> Keyframe:
        if isinstance(data, dict):
            return cls(int(data["frame_index"]), data["value"],
                       data.get("interpolation", "linear"))
        return cls(int(data[0]), data[1], data[2] if len(data) > 2 else "linear")


def _lerp_colour(a: str, b: str, t: float) -> str:
    ca = [int(a.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
    cb = [int(b.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
    mixed = [round(x + (y - x) * t) for x, y in zip(ca, cb, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def interpolate(a: Any, b: Any, t: float) -> Any:
    """Value between ``a`` (t = 0) and ``b`` (t = 1); non-numeric values hold ``a``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a
    if isinstance(a, int) and isinstance(b, int):
        return int(round(a + (b - a) * t))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a + (b - a) * t)
    if isinstance(a, str) and isinstance(b, str) and a.startswith("#") and b.startswith("#") \
            and len(a) == len(b) == 7:
        return _lerp_colour(a, b, t)
    return a


@dataclass(frozen=True)
class KeyframeTrack:
    """Keyframes of one parameter, sorted by frame index (unique frames)."""

    keyframes: tuple[Keyframe, ...]

    def __post_init__(self) -> None:
        frames = [k.frame_index for k in self.keyframes]
        if not frames:
            raise ValueError("a keyframe track needs at least one keyframe")
        if frames != sorted(set(frames)):
            object.__setattr__(self, "keyframes",
                               tuple(sorted({k.frame_index: k for k in self.keyframes}.values(),
                                            key=lambda k: k.frame_index)))

    def value_at(self, frame_index: int) -> Any:
        """The parameter's value on ``frame_index``."""
        frames = [k.frame_index for k in self.keyframes]
        pos = bisect.bisect_right(frames, frame_index) - 1
        if pos < 0:
            return self.keyframes[0].value
        key = self.keyframes[pos]
        if pos == len(frames) - 1 or key.interpolation == "hold":
            return key.value
        nxt = self.keyframes[pos + 1]
        t = (frame_index - key.frame_index) / (nxt.frame_index - key.frame_index)
        return interpolate(key.value, nxt.value, t)

    def to_json(self) -> list:
        return [k.to_json() for k in self.keyframes]

    @classmethod
    def from_json(cls, data: list) -> KeyframeTrack:
        return cls(tuple(Keyframe.from_json(k) for k in data))
