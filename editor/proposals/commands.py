"""Turn a chosen proposal into a new object, as one undoable command.

Qt-free. The document model is reached through the small :class:`ObjectDocument` protocol
(create an object whose first prompt is a mask, remove it again) and an undo stack whose
``push(command)`` runs ``command.do()`` and remembers it for ``undo()``/``redo()``; adapt the
two calls in :class:`AddObjectFromMask` if the document model names them differently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


class ObjectDocument(Protocol):
    """What this command needs from the document model."""

    def add_object_with_mask(self, frame_index: int, mask: np.ndarray,
                             object_id: int | None = None, name: str | None = None) -> int:
        """Create an object whose first prompt is ``mask`` (H×W bool, frame pixels) on
        ``frame_index``; reuse ``object_id`` when given (redo). Returns the object's id."""

    def remove_object(self, object_id: int) -> None:
        """Remove the object and everything it owns."""


class UndoStack(Protocol):
    def push(self, command: Any) -> None: ...


@dataclass
class AddObjectFromMask:
    """Undoable: add an object prompted by a mask on one frame.

    Attributes:
        document: the project (see :class:`ObjectDocument`).
        frame_index: the frame the proposal was made on.
        mask: H×W bool at frame resolution (copied, so later edits do not leak in).
        name: object name, or None for the document's default.
        object_id: set by the first :meth:`do`; kept so redo restores the same id.
    """

    document: ObjectDocument
    frame_index: int
    mask: np.ndarray
    name: str | None = None
    object_id: int | None = None
    text: str = field(default="Add object from proposal", init=False)

    def __post_init__(self) -> None:
        self.mask = np.array(self.mask, dtype=bool, copy=True)

    def do(self) -> None:
        self.object_id = self.document.add_object_with_mask(
            self.frame_index, self.mask, object_id=self.object_id, name=self.name)

    def undo(self) -> None:
        if self.object_id is not None:
            self.document.remove_object(self.object_id)

    def redo(self) -> None:
        self.do()


def object_creator(document: ObjectDocument, undo_stack: UndoStack
                   ) -> Callable[[int, np.ndarray], AddObjectFromMask]:
    """The ``create_object`` callback for :class:`~editor.proposals.ProposalController`:
    pushes an :class:`AddObjectFromMask` (which runs it) and returns the command."""

    def create(frame_index: int, mask: np.ndarray) -> AddObjectFromMask:
        command = AddObjectFromMask(document, frame_index, mask)
        undo_stack.push(command)
        return command

    return create


def project_object_creator(project: Any) -> Callable[[int, np.ndarray], int]:
    """The ``create_object`` callback over the document model (``editor.model.Project``):
    one undo step "Add object from proposal" = AddObject + AddPrompt(mask prompt on the frame).
    Returns the new object's id."""
    from editor.model.commands import AddObject, AddPrompt
    from editor.model.prompts import MaskPrompt

    def create(frame_index: int, mask: np.ndarray) -> int:
        mask_name = project.masks.put_prompt_mask(np.asarray(mask, dtype=bool))
        with project.undo_stack.transaction("Add object from proposal"):
            add = AddObject(project)
            project.undo_stack.push(add)
            project.undo_stack.push(AddPrompt(project, add.object_id, frame_index,
                                              MaskPrompt(mask_name)))
        return add.object_id

    return create
