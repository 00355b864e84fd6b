""""Find objects": the model it runs and the undoable command that turns a chosen proposal
into a new object. Qt-free (the window's :mod:`editor.proposals` runs and draws them)."""

from __future__ import annotations

import numpy as np

from editor.app.engines import NoWeightsError

#: Grid of single-click prompts: 16×16 takes ~17 s for a 720p frame with tiny on 2 CPU
#: cores (32×32: ~60 s); a GPU does either in well under a second.
POINTS_PER_SIDE = 16

#: Why Find objects cannot run without weights, whichever engine tracks (the offline
#: engine tracks without weights but cannot propose objects, so it is no way out here).
NO_WEIGHTS = ("no model checkpoint is installed — download one in Track ▸ Model settings "
              "(the offline engine tracks without one but cannot find objects: click the "
              "objects instead)")


def proposal_model(settings):
    """The SAM 2 model of ``settings`` (the project's EngineSettings), shared with the
    tracker; raises :class:`NoWeightsError` saying what to do without weights."""
    from editor.app.engines import shared_sam2

    try:
        return shared_sam2(settings)[0]
    except NoWeightsError as exc:
        raise NoWeightsError(NO_WEIGHTS) from exc


def add_object_from_mask(project, frame_index: int, mask: np.ndarray) -> int:
    """One undo step "Add object from proposal": a new object whose first prompt on
    ``frame_index`` is ``mask`` (H×W bool, source pixels). Returns the new object's id."""
    from editor.model.commands import AddObject, AddPrompt
    from editor.model.prompts import MaskPrompt

    mask_name = project.masks.put_prompt_mask(np.asarray(mask, dtype=bool))
    with project.undo_stack.transaction("Add object from proposal"):
        add = AddObject(project)
        project.undo_stack.push(add)
        project.undo_stack.push(AddPrompt(project, add.object_id, int(frame_index),
                                          MaskPrompt(mask_name)))
    return add.object_id
