"""Issue 20: the effects panel exposes the object's mask refinement (Refine edge)."""

from __future__ import annotations

from tests.editor.conftest import click_frame, open_clip


def test_refine_edge_controls_edit_the_objects_refinement_undoably(qtbot, make_window,
                                                                   synthetic_clip):
    clip, path = synthetic_clip
    win = make_window()
    open_clip(qtbot, win, path)
    cx, cy, _r = clip.circle(0)
    click_frame(qtbot, win, cx, cy)
    qtbot.waitUntil(lambda: win.session.project.objects != [], timeout=10000)
    obj = win.session.project.objects[0]
    panel = win.effects_panel
    panel.set_owner(None)  # the background has no refinement
    assert not panel.refine_area.isVisibleTo(win)
    panel.set_owner(obj.object_id)
    assert panel.refine_area.isVisibleTo(win)
    for name in ("edge_band_px", "edge_strength", "decontaminate"):
        assert name in panel.refine_widgets
    panel.refine_widgets["edge_band_px"].setValue(4.0)
    panel.refine_widgets["decontaminate"].setChecked(True)
    assert obj.refinement == {"edge_band_px": 4.0, "decontaminate": True}
    # the render stacks carry it to the preview and the export
    from editor.app.export import stacks_from_project

    (stack,) = stacks_from_project(win.session.project).objects
    assert stack.refinement.edge_band_px == 4.0 and stack.refinement.decontaminate
    win.session.project.undo_stack.undo()
    assert obj.refinement == {"edge_band_px": 4.0}
    qtbot.waitUntil(lambda: not panel.refine_widgets["decontaminate"].isChecked(), timeout=2000)
