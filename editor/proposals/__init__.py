"""'Find objects': run object proposals on the current frame off the UI thread, draw them as
hoverable outlines, and turn a clicked proposal into a new object (undoable).

Pieces: :class:`ProposalWorker` (runs ``propose_objects`` in a QThread, progress + cancel),
:class:`ProposalOverlay` (paints outlines in image pixels, hit-tests clicks) and
:class:`ProposalController` (the state machine the viewer and main window drive).
"""

from editor.proposals.controller import ProposalController
from editor.proposals.hook import (
    FIND_OBJECTS_SHORTCUT,
    ProposalInputFilter,
    make_find_objects_action,
)
from editor.proposals.overlay import ProposalOverlay, render_on_frame
from editor.proposals.worker import ProposalWorker

__all__ = [
    "FIND_OBJECTS_SHORTCUT",
    "ProposalController",
    "ProposalInputFilter",
    "ProposalOverlay",
    "ProposalWorker",
    "make_find_objects_action",
    "render_on_frame",
]
