"""The editor over EfficientTAM, as a user without weights gets it: the first prompt asks
which model to download (Fast, EfficientTAM-S-512, recommended here), the "download"
installs a tiny random-weight EfficientTAM under the official file name (with its config
beside it, how a custom model is found), and the real engine path loads it from
MASKLET_MODELS_DIR and tracks the clip. Random weights make clicks meaningless, so the prompt
is a painted mask, which SAM 2's design makes the object's mask on its frame."""

from __future__ import annotations

import json

import numpy as np

from tests.editor.conftest import open_clip
from tests.micro_efficienttam import (
    IMAGE_SIZE,
    micro_efficienttam,
    micro_efficienttam_hyperparameters,
)

FAST = "efficienttam_s_512x512"


def _install_tiny(folder, name: str) -> None:
    """What a finished download leaves: ``<name>.pt`` (official format) + its config."""
    from segmentation.sam2.checkpoint import save_checkpoint

    folder.mkdir(parents=True, exist_ok=True)
    save_checkpoint(micro_efficienttam(name=name), folder / f"{name}.pt")
    config = {"config": f"micro-{name}", "hyperparameters": micro_efficienttam_hyperparameters(name)}
    (folder / f"{name}.json").write_text(json.dumps(config))


def test_first_run_choice_downloads_fast_and_tracks_with_efficienttam(
        qtbot, make_window, synthetic_clip, monkeypatch, tmp_path):
    import editor.dialogs.download as download
    from editor.app import model_choice as mc
    from editor.dialogs.no_weights import NoWeightsDialog
    from editor.engine_choice import EnginePreference

    models = tmp_path / "models"
    monkeypatch.setenv("MASKLET_MODELS_DIR", str(models))
    downloads, shown = [], []

    class FakeDownload:  # the transfer itself is tested in tests/test_cli_models.py
        def __init__(self, name, parent=None):
            self.name = name

        def exec(self):
            downloads.append(self.name)
            _install_tiny(models, self.name)
            return 1

    monkeypatch.setattr(download, "DownloadDialog", FakeDownload)
    monkeypatch.setattr(mc, "machine_kind", lambda devices=None: "cpu")  # no CUDA GPU

    def exec_(dialog):  # the user reads the choice and clicks Download on the checked one
        shown.append({k: (b.isChecked(), b.text(), dialog.models.details[k].text())
                      for k, b in dialog.models.buttons.items()})
        dialog.download_button.click()
        return dialog.result()

    monkeypatch.setattr(NoWeightsDialog, "exec", exec_)
    clip, path = synthetic_clip
    win = make_window(None)  # the real engine path: models folder, registry, loader
    ready = []
    win.session.engine_ready.connect(ready.append)
    open_clip(qtbot, win, path)
    project = win.session.project
    painted = clip.mask(0, 1)
    win.prompting.on_mask_painted(painted)

    assert downloads == [FAST]
    fast_checked, fast_label, fast_line = shown[0]["fast"]
    assert fast_checked and "recommended here" in fast_label
    assert fast_line == mc.describe(mc.get_tier("fast"), "cpu")
    assert fast_line.startswith("EfficientTAM-S-512 · 136 MB download · about ")
    assert project.engine.engine == "sam2" and project.engine.model_name == FAST
    preference = EnginePreference(win.settings)
    assert preference.get() == "sam2" and preference.model() == FAST

    qtbot.waitUntil(lambda: project.masks.read_alpha(1, 0) is not None, timeout=60000)
    assert any(d.startswith(f"EfficientTAM {FAST} (cpu") for d in ready), ready
    got = project.masks.read_alpha(1, 0) >= 128
    assert (got & painted).sum() / (got | painted).sum() > 0.9
    with qtbot.waitSignal(win.session.engine.finished, timeout=120000) as done:
        win.track_flow.on_track()
    assert done.args == [True]
    frames, scores = project.masks.scores(1)
    assert sorted(np.asarray(frames).tolist()) == list(range(clip.num_frames))
    assert np.all(np.isfinite(scores))
    assert np.array_equal(project.masks.read_alpha(1, 0) >= 128, got)
    # the prompted frame keeps the model's own low-res logits: 192 / 4 = 48, not 256
    assert project.masks.read_low_res_logits(1, 0).shape == (IMAGE_SIZE // 4,) * 2

    second = tmp_path / "second.mp4"  # a new clip gets the chosen model, nothing is asked
    second.write_bytes(path.read_bytes())
    open_clip(qtbot, win, second)
    assert win.session.project.engine.model_name == FAST and len(shown) == 1
