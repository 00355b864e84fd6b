""""Find objects" in the main window: SAM 2 proposes every object on the current frame, the
user clicks one and it becomes a new object (one undo step) with its mask as the prompt.

The model is the one the tracker uses (:func:`editor.app.engines.shared_sam2`), loaded on the
proposal worker thread the first time. Without installed weights the status bar says how to
get them."""

from __future__ import annotations

from editor.proposals import ProposalController
from editor.proposals.commands import project_object_creator
from editor.proposals.hook import ProposalInputFilter

#: Grid of single-click prompts: 16×16 takes ~17 s for a 720p frame with tiny on 2 CPU
#: cores (32×32: ~60 s); a GPU does either in well under a second.
POINTS_PER_SIDE = 16


def install(window) -> ProposalController:
    """Create the controller, route the viewer's input and painting through it."""
    controller = ProposalController(lambda: window.proposal_model(), _creator(window),
                                    options={"points_per_side": POINTS_PER_SIDE},
                                    parent=window)
    viewer = window.viewer

    def to_image(pos):
        point = viewer.to_frame(pos)
        return None if point is None else (point.x(), point.y())

    viewer.installEventFilter(ProposalInputFilter(controller, to_image, viewer))
    viewer.layers.append(lambda painter, transform: controller.overlay.paint(painter, transform))
    controller.changed.connect(viewer.update)
    controller.message.connect(lambda text: window.status.showMessage(text, 8000))
    controller.progress.connect(
        lambda done, total: window.status.set_progress(done, total, "Finding objects…"))
    controller.busy_changed.connect(lambda busy: None if busy else window.status.hide_progress())
    controller.busy_changed.connect(
        lambda busy: window.actions_["find_objects"].setEnabled(not busy))
    return controller


#: Why Find objects cannot run without weights, whichever engine tracks (the offline
#: engine tracks without weights but cannot propose objects, so it is no way out here).
NO_WEIGHTS = ("no SAM 2 checkpoint is installed — download one in Track ▸ Model settings "
              "(the offline engine tracks without one but cannot find objects: click the "
              "objects instead)")


def default_model(window):
    """The SAM 2 model of the project's engine settings (raises NoWeightsError)."""
    from editor.app.engines import NoWeightsError, shared_sam2

    try:
        return shared_sam2(window.session.project.engine)[0]
    except NoWeightsError as exc:
        raise NoWeightsError(NO_WEIGHTS) from exc


def _creator(window):
    def create(frame_index, mask):
        oid = project_object_creator(window.session.project)(frame_index, mask)
        window.current_object = oid
        window.objects_panel.refresh()
        window.objects_panel.select(oid)
        return oid
    return create


def find_objects(window) -> None:
    """Start a search on the frame in the viewer (the action's handler)."""
    session, bundle = window.session, window.viewer.bundle
    if session.project is None or bundle is None:
        return
    if session.engine is not None and session.engine.tracking:
        window.status.showMessage("Find objects waits for tracking: cancel it or let it "
                                  "finish first.", 6000)
        return
    window.actions_["show_effects"].setChecked(False)
    window.proposals.find_objects(bundle.frame, bundle.frame_index)
