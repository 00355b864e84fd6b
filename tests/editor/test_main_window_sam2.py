"""The editor over the real SAM 2 code path: a random-weight micro SAM 2.1 built from our own
config (no download). Random weights make clicks meaningless, so the test uses what SAM 2
defines exactly: a painted mask prompt is the object's mask on its frame; tracking then
produces one result per frame, written to the store, shown in the lane."""

from __future__ import annotations

import numpy as np

from tests.editor.conftest import open_clip
from tests.micro_sam2 import micro_sam2


def test_brush_mask_prompt_then_track_with_sam2(qtbot, make_window, synthetic_clip):
    from editor.app.engines import make_engine

    model = micro_sam2()
    descriptions = []

    def factory(path, settings):
        engine, desc = make_engine(path, settings, model=model)
        descriptions.append(desc)
        return engine, desc

    clip, path = synthetic_clip
    win = make_window(factory)
    open_clip(qtbot, win, path)
    project = win.session.project
    painted = clip.mask(0, 1)
    win.prompting.on_mask_painted(painted)  # what the brush tool emits on release
    qtbot.waitUntil(lambda: project.masks.read_alpha(1, 0) is not None, timeout=30000)
    assert descriptions and descriptions[0].startswith("SAM 2")
    got = project.masks.read_alpha(1, 0) >= 128
    assert (got & painted).sum() / (got | painted).sum() > 0.9

    with qtbot.waitSignal(win.session.engine.finished, timeout=120000) as done:
        win.track_flow.on_track()
    assert done.args == [True]
    frames, scores = project.masks.scores(1)
    assert sorted(np.asarray(frames).tolist()) == list(range(clip.num_frames))
    assert np.all(np.isfinite(scores))
    # The prompted frame keeps the painted mask through tracking.
    again = project.masks.read_alpha(1, 0) >= 128
    assert np.array_equal(again, got)
    qtbot.waitUntil(lambda: win.timeline.lanes() and
                    win.timeline.lanes()[0].coverage() ==
                    len(project.masks.frames_with_mask(1)), timeout=5000)


def test_correction_retracks_only_what_it_affects(qtbot, make_window, synthetic_clip):
    """After a full pass, a brush correction on frame k is kept on frame k, frames before the
    first prompt's side are untouched, and the second pass tracks fewer frames than the clip."""
    from editor.app.engines import make_engine

    model = micro_sam2()
    clip, path = synthetic_clip
    win = make_window(lambda p, s: make_engine(p, s, model=model))
    open_clip(qtbot, win, path)
    project = win.session.project
    win.prompting.on_mask_painted(clip.mask(0, 1))
    qtbot.waitUntil(lambda: project.masks.read_alpha(1, 0) is not None, timeout=30000)
    with qtbot.waitSignal(win.session.engine.finished, timeout=120000):
        win.track_flow.on_track()
    before = {f: project.masks.read_alpha(1, f) for f in range(clip.num_frames)}

    k = clip.num_frames // 2
    win.seek(k)
    qtbot.waitUntil(lambda: win.viewer.bundle is not None and win.viewer.bundle.frame_index == k,
                    timeout=5000)
    correction = clip.mask(k, 2)  # a different shape: unmistakable where it lands
    win.prompting.on_mask_painted(correction)
    qtbot.waitUntil(lambda: _iou(project.masks.read_alpha(1, k), correction) > 0.9,
                    timeout=30000)
    tracked = []
    win.session.engine.tracked.connect(tracked.append)
    with qtbot.waitSignal(win.session.engine.finished, timeout=120000) as done:
        win.track_flow.on_track()
    assert done.args == [True]
    assert 0 < len(tracked) < clip.num_frames
    assert min(tracked) > 0                       # frame 0's side of the clip was not redone
    assert _iou(project.masks.read_alpha(1, k), correction) > 0.9  # the correction stuck
    for f in range(min(tracked)):
        a, b = before[f], project.masks.read_alpha(1, f)
        assert (a is None and b is None) or np.array_equal(a, b)


def _iou(alpha, truth) -> float:
    if alpha is None:
        return 0.0
    got = alpha >= 128
    return (got & truth).sum() / max(1, (got | truth).sum())


def test_engine_description_names_the_precision_in_use(synthetic_clip):
    """The status bar tells the precision the model really runs in ("auto" marked)."""
    from editor.app.engines import make_engine
    from editor.model.project import EngineSettings

    assert EngineSettings().dtype == "auto"  # new projects pick the fast precision
    _, path = synthetic_clip
    _, desc = make_engine(path, EngineSettings(), model=micro_sam2())
    assert desc == "SAM 2 custom model (cpu, float32 auto)"
    _, desc = make_engine(path, EngineSettings(dtype="float32"), model=micro_sam2())
    assert desc == "SAM 2 custom model (cpu, float32)"


def test_shared_model_loads_in_the_resolved_precision(monkeypatch, tmp_path):
    import torch

    import segmentation.sam2
    from editor.app import engines
    from editor.model.project import EngineSettings
    from segmentation.sam2 import precision

    ckpt = engines.InstalledCheckpoint("sam2.1_hiera_tiny", tmp_path / "t.pt", 1)
    monkeypatch.setattr(engines, "installed_checkpoints", lambda: [ckpt])
    loads = []
    monkeypatch.setattr(segmentation.sam2, "load_sam2",
                        lambda path, device, dtype: loads.append((device, dtype)) or object())
    monkeypatch.setattr(engines, "_MODELS", {})
    for native, expected in ((True, torch.bfloat16), (False, torch.float32)):
        monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda n=native: n)
        engines.shared_sam2(EngineSettings(device="cpu"))
        assert loads[-1] == ("cpu", expected)
    engines.shared_sam2(EngineSettings(device="cpu", dtype="bfloat16"))
    assert loads[-1] == ("cpu", torch.bfloat16)


def test_a_stand_in_model_is_said_not_silent(monkeypatch, tmp_path, synthetic_clip, qtbot):
    """A project made with a model this machine lacks tracks with an installed one, and the
    description (and so the status bar) says which, and how to get the project's model."""
    from editor.app import engines
    from editor.model.project import EngineSettings
    from editor.status import StatusBar

    ckpt = engines.InstalledCheckpoint("sam2.1_hiera_tiny", tmp_path / "t.pt", 1)
    monkeypatch.setattr(engines, "installed_checkpoints", lambda: [ckpt])
    monkeypatch.setattr(engines, "shared_sam2",
                        lambda settings: (micro_sam2(), engines.choose_checkpoint(
                            settings.model_name)[1]))
    _, path = synthetic_clip
    _, desc = engines.make_engine(path, EngineSettings(model_name="efficienttam_s_512x512"))
    assert desc.startswith("SAM 2 sam2.1_hiera_tiny (cpu, float32 auto); ")
    assert "efficienttam_s_512x512 is not installed" in desc and "Model settings" in desc
    _, same = engines.make_engine(path, EngineSettings(model_name="sam2.1_hiera_tiny"))
    assert ";" not in same
    bar = StatusBar()
    qtbot.addWidget(bar)
    bar.set_model(desc)
    assert bar.model_label.text() == "Model: SAM 2 sam2.1_hiera_tiny ⚠"
    assert bar.device_label.text() == "Device: cpu, float32 auto"
    assert "not installed" in bar.currentMessage() and "not installed" in bar.model_label.toolTip()
    bar.set_model(same)
    assert bar.model_label.text() == "Model: SAM 2 sam2.1_hiera_tiny" and not bar.model_label.toolTip()
