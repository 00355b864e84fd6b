"""Typed change events and a tiny emitter (napari's events pattern, without Qt).

Callbacks run on the thread that made the change (mask writes come from a worker thread):
Qt views marshal to the UI thread themselves. A callback that raises is logged and the
others still run; the model is never left half-updated by an observer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class ObjectAdded:
    object_id: int


@dataclass(frozen=True)
class ObjectRemoved:
    object_id: int


@dataclass(frozen=True)
class ObjectChanged:
    """``field`` is "name", "colour", "visible" or "z_order"."""

    object_id: int
    field: str


@dataclass(frozen=True)
class PromptsChanged:
    object_id: int
    frame_index: int


@dataclass(frozen=True)
class EffectsChanged:
    """``owner``: object id, or None for the background stack."""

    owner: int | None


@dataclass(frozen=True)
class RangeChanged:
    in_frame: int
    out_frame: int | None


@dataclass(frozen=True)
class SettingsChanged:
    """``which`` is "export" or "engine"."""

    which: str


@dataclass(frozen=True)
class MediaChanged:
    """The source media was relinked."""

    path: Path


@dataclass(frozen=True)
class MasksChanged:
    """New masks in the store (emitted from the writing thread)."""

    object_id: int
    frame_indices: tuple[int, ...]


@dataclass(frozen=True)
class Saved:
    path: Path


@dataclass(frozen=True)
class DirtyChanged:
    dirty: bool


class EventEmitter:
    """Subscribe callables; :meth:`emit` calls each with the event object."""

    def __init__(self) -> None:
        self._callbacks: list[tuple[Callable[[object], None], tuple[type, ...]]] = []
        self._lock = threading.Lock()

    def connect(self, callback: Callable[[object], None], *types: type) -> None:
        """Call ``callback(event)`` for every event, or only for the given event ``types``."""
        with self._lock:
            self._callbacks.append((callback, types))

    def disconnect(self, callback: Callable[[object], None]) -> None:
        with self._lock:
            self._callbacks = [(c, t) for c, t in self._callbacks if c != callback]

    def emit(self, event: object) -> None:
        with self._lock:
            callbacks = list(self._callbacks)
        for callback, types in callbacks:
            if types and not isinstance(event, types):
                continue
            try:
                callback(event)
            except Exception:  # an observer must not break the model
                log.exception("observer %r failed on %r", callback, event)
