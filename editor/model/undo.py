"""Undo history: commands, an :class:`UndoStack` with a clean state, and transactions that
group commands into one step and roll back on error (Pitivi's ``undo/undo.py`` pattern).

A command is any object with ``do()``, ``undo()``, optionally ``redo()`` (default: ``do``),
a ``label`` (or ``text``) for the Edit menu, and optionally ``merge(other) -> bool`` which
absorbs a following command of the same kind (parameter drags: one undo step).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from editor.model.events import DirtyChanged, EventEmitter

log = logging.getLogger(__name__)


class Command:
    """Base class for undoable edits; subclasses set ``label`` and implement do/undo."""

    label: str = "Edit"

    def do(self) -> None:
        raise NotImplementedError

    def undo(self) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        self.do()

    def merge(self, other: Any) -> bool:
        """Absorb ``other`` (already done) into self; True if merged."""
        return False


def label_of(command: Any) -> str:
    return str(getattr(command, "label", None) or getattr(command, "text", "") or "Edit")


def _redo(command: Any) -> None:
    (getattr(command, "redo", None) or command.do)()


class CompoundCommand(Command):
    """Commands done together, undone in reverse order."""

    def __init__(self, label: str, commands: list[Any]) -> None:
        self.label = label
        self.commands = commands

    def do(self) -> None:
        for command in self.commands:
            _redo(command)

    def undo(self) -> None:
        for command in reversed(self.commands):
            command.undo()


class UndoStack:
    """Linear history. ``limit``: most undo steps kept (oldest dropped).

    ``push`` runs the command; inside :meth:`transaction` it joins the open group.
    The stack is *clean* at the state last marked by :meth:`set_clean` (the saved state).
    """

    def __init__(self, limit: int = 200) -> None:
        self.limit = limit
        self._done: list[Any] = []
        self._undone: list[Any] = []
        self._clean_depth: int | None = 0
        self._groups: list[list[Any]] = []
        self._events: EventEmitter | None = None
        self._was_clean = True
        self._merge_barrier = False

    def attach(self, events: EventEmitter) -> None:
        """Emit :class:`DirtyChanged` on ``events`` when the clean state flips."""
        self._events = events

    # -- state -------------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return bool(self._done) and not self._groups

    @property
    def can_redo(self) -> bool:
        return bool(self._undone) and not self._groups

    @property
    def undo_label(self) -> str | None:
        return label_of(self._done[-1]) if self._done else None

    @property
    def redo_label(self) -> str | None:
        return label_of(self._undone[-1]) if self._undone else None

    @property
    def is_clean(self) -> bool:
        return self._clean_depth == len(self._done)

    def set_clean(self) -> None:
        """Mark the current state as saved; also stops merging into the saved command."""
        self._clean_depth = len(self._done)
        self._merge_barrier = True
        self._notify()

    def mark_dirty(self) -> None:
        """The document changed outside the history (e.g. relinked media): not clean until
        the next save."""
        self._clean_depth = None
        self._notify()

    def end_merge(self) -> None:
        """Stop merging into the newest command (call on slider release, so the next drag
        of the same parameter is its own undo step)."""
        self._merge_barrier = True

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()
        self._clean_depth = 0
        self._notify()

    # -- edits ---------------------------------------------------------------------------
    def push(self, command: Any) -> None:
        """Do ``command`` and record it (merging into the previous one when it agrees)."""
        command.do()
        if self._groups:
            self._groups[-1].append(command)
            return
        self._record(command)

    def _record(self, command: Any) -> None:
        self._undone.clear()
        if self._clean_depth is not None and self._clean_depth > len(self._done):
            self._clean_depth = None  # the saved state can no longer be reached
        top = self._done[-1] if self._done else None
        mergeable = (top is not None and not self._merge_barrier
                     and len(self._done) != self._clean_depth)
        if mergeable and getattr(top, "merge", None) and top.merge(command):
            self._notify()
            return
        self._merge_barrier = False
        self._done.append(command)
        if len(self._done) > self.limit:
            del self._done[0]
            if self._clean_depth is not None:
                self._clean_depth = self._clean_depth - 1 if self._clean_depth > 0 else None
        self._notify()

    def undo(self) -> None:
        if not self.can_undo:
            return
        command = self._done.pop()
        command.undo()
        self._undone.append(command)
        self._merge_barrier = True
        self._notify()

    def redo(self) -> None:
        if not self.can_redo:
            return
        command = self._undone.pop()
        _redo(command)
        self._done.append(command)
        self._merge_barrier = True
        self._notify()

    @contextmanager
    def transaction(self, label: str) -> Iterator[None]:
        """Group the commands pushed inside into one undo step named ``label``.

        If the block raises, everything done inside is undone (newest first) and the
        exception propagates. Nested transactions join the outer one."""
        self._groups.append([])
        try:
            yield
        except BaseException:
            group = self._groups.pop()
            for command in reversed(group):
                try:
                    command.undo()
                except Exception:  # keep rolling back the rest
                    log.exception("rollback of %r failed", command)
            raise
        group = self._groups.pop()
        if not group:
            return
        compound = CompoundCommand(label, group)
        if self._groups:
            self._groups[-1].append(compound)
        else:
            self._merge_barrier = True
            self._record(compound)

    def _notify(self) -> None:
        clean = self.is_clean
        if clean != self._was_clean:
            self._was_clean = clean
            if self._events is not None:
                self._events.emit(DirtyChanged(not clean))
