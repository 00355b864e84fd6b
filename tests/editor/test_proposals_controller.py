"""Find objects in the editor: worker run, overlay, hover, click → new object, cancel, Esc."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtGui import QColor, QImage, QPainter, QTransform  # noqa: E402

from editor.proposals import ProposalController  # noqa: E402
from editor.proposals.overlay import render_on_frame  # noqa: E402
from segmentation.proposals.known_masks import KnownMasksDecoder  # noqa: E402

H, W = 180, 240


def _shapes() -> list[np.ndarray]:
    rect = np.zeros((H, W), np.uint8)
    cv2.rectangle(rect, (15, 15), (90, 80), 1, thickness=-1)
    disc = np.zeros((H, W), np.uint8)
    cv2.circle(disc, (170, 60), 40, 1, thickness=-1)
    bar = np.zeros((H, W), np.uint8)
    cv2.rectangle(bar, (30, 120), (210, 165), 1, thickness=-1)
    return [m.astype(bool) for m in (rect, disc, bar)]


def _frame() -> np.ndarray:
    frame = np.full((H, W, 3), 40, np.uint8)
    for k, m in enumerate(_shapes()):
        frame[m] = (90 + 50 * k, 160, 200 - 60 * k)
    return frame


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[int, np.ndarray]] = []

    def __call__(self, frame_index: int, mask: np.ndarray) -> int:
        self.calls.append((frame_index, mask))
        return len(self.calls)


def _controller(qtbot, create=None, **options) -> ProposalController:
    shapes = _shapes()
    options.setdefault("points_per_side", 12)
    controller = ProposalController(lambda: KnownMasksDecoder(shapes), create or _Recorder(),
                                    options=options)
    return controller


def test_proposals_appear_hover_and_paint(qtbot):
    controller = _controller(qtbot)
    with qtbot.waitSignals([controller.changed, controller.busy_changed], timeout=20000):
        controller.find_objects(_frame(), frame_index=7)
    assert not controller.running and controller.active
    assert len(controller.overlay.proposals) == 3
    assert controller.overlay.frame_index == 7

    with qtbot.waitSignal(controller.changed, timeout=1000):
        controller.hover(170, 60)
    hovered = controller.overlay.proposals[controller.overlay.hovered]
    assert np.array_equal(hovered.mask, _shapes()[1])

    canvas = QImage(2 * W, 2 * H, QImage.Format.Format_ARGB32)
    canvas.fill(QColor(0, 0, 0))
    painter = QPainter(canvas)
    controller.overlay.paint(painter, QTransform.fromScale(2.0, 2.0))
    painter.end()
    assert canvas.pixelColor(2 * 170, 2 * 60) != QColor(0, 0, 0)  # hovered fill
    assert canvas.pixelColor(2 * 15, 2 * 50) != QColor(0, 0, 0)  # rectangle outline
    assert canvas.pixelColor(2 * 120, 2 * 100) == QColor(0, 0, 0)  # background untouched

    shot = render_on_frame(_frame(), controller.overlay, scale=0.5)
    assert (shot.width(), shot.height()) == (W // 2, H // 2)
    assert shot.pixelColor(60, 50).getRgb()[:3] == (40, 40, 40)  # frame background shows
    controller.shutdown()


def test_click_creates_object_with_the_mask(qtbot):
    recorder = _Recorder()
    controller = _controller(qtbot, create=recorder)
    with qtbot.waitSignal(controller.changed, timeout=20000):
        controller.find_objects(_frame(), frame_index=3)
    assert controller.click(5, 170) is False  # background: nothing under the pointer
    assert recorder.calls == []
    with qtbot.waitSignal(controller.object_created, timeout=1000) as created:
        assert controller.click(100, 140) is True
    assert created.args == [1]
    frame_index, mask = recorder.calls[0]
    assert frame_index == 3 and np.array_equal(mask, _shapes()[2])
    assert not controller.active  # the overlay closes after a pick


def test_escape_dismisses_and_cancel_stops(qtbot):
    controller = _controller(qtbot)
    with qtbot.waitSignal(controller.changed, timeout=20000):
        controller.find_objects(_frame(), frame_index=0)
    with qtbot.waitSignal(controller.changed, timeout=1000):
        controller.dismiss()
    assert not controller.active and controller.overlay.proposals == []

    gate = threading.Event()

    def slow_source():
        gate.wait(10)
        return KnownMasksDecoder(_shapes())

    slow = ProposalController(slow_source, _Recorder(), options={"points_per_side": 12})
    messages: list[str] = []
    slow.message.connect(messages.append)
    slow.find_objects(_frame(), frame_index=0)
    assert slow.running
    with qtbot.waitSignal(slow.busy_changed, timeout=20000):
        slow.cancel()
        gate.set()
    assert messages[-1] == "Find objects cancelled" and not slow.active
    slow.shutdown()


def test_failure_is_reported(qtbot):
    def broken():
        raise RuntimeError("no weights installed")

    controller = ProposalController(broken, _Recorder())
    with qtbot.waitSignal(controller.message, timeout=20000,
                          check_params_cb=lambda text: "failed" in text) as msg:
        controller.find_objects(_frame(), frame_index=0)
    assert "no weights installed" in msg.args[0]
    assert not controller.active
    controller.shutdown()


def test_click_adds_a_project_object_and_undo_removes_it(qtbot):
    from editor.app.proposals import add_object_from_mask
    from editor.model.project import Project

    project = Project()
    controller = _controller(qtbot, create=lambda frame_index, mask: add_object_from_mask(
        project, frame_index, mask))
    with qtbot.waitSignal(controller.changed, timeout=20000):
        controller.find_objects(_frame(), frame_index=2)
    assert controller.click(170, 60)
    assert len(project.objects) == 1
    obj = project.objects[0]
    (action,) = obj.prompts[2]
    assert type(action).__name__ == "MaskPrompt"
    assert np.array_equal(project.prompt_mask(action) > 0.5, _shapes()[1])
    project.undo_stack.undo()
    assert project.objects == []
    project.undo_stack.redo()
    assert [o.object_id for o in project.objects] == [obj.object_id]
    assert project.objects[0].prompts[2] == [action]
    controller.shutdown()
