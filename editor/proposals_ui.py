""""Find objects" in the main window: SAM 2 proposes every object on the current frame, the
user clicks one and it becomes a new object (one undo step) with its mask as the prompt.

The model is the one the tracker uses (:func:`editor.app.proposals.proposal_model`), loaded on the
proposal worker thread the first time. Without installed weights the status bar says how to
get them."""

from __future__ import annotations

from editor.app.proposals import POINTS_PER_SIDE, add_object_from_mask, proposal_model
from editor.proposals import ProposalController
from editor.proposals.hook import ProposalInputFilter


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


def default_model(window):
    """The SAM 2 model of the project's engine settings (raises NoWeightsError)."""
    return proposal_model(window.session.project.engine)


def _creator(window):
    def create(frame_index, mask):
        oid = add_object_from_mask(window.session.project, frame_index, mask)
        window.select_object(oid)
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
