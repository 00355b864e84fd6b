"""Which upsampling the editor and the CLI track with: guided for the 128² logits of the
512-pixel models, bilinear for the 1024-pixel ones (segmentation.upsample.default_upsample,
used by editor.app.engines.build_tracker, which both build their tracker with)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from editor.app import engines
from segmentation.upsample import default_upsample, upsample_logits


def test_the_rule_guides_128_logits_and_keeps_256_bilinear():
    assert default_upsample(128) == "guided"  # EfficientTAM *_512x512
    assert default_upsample(256) == "bilinear"  # SAM 2.1 and EfficientTAM at 1024
    assert default_upsample(48) == "guided"  # coarser still


@pytest.mark.parametrize(("image_size", "method"), [(512, "guided"), (1024, "bilinear")])
def test_build_tracker_passes_the_rule_for_the_model(image_size, method, monkeypatch):
    import segmentation.tracker

    made = {}

    def recorder(model, frames, **options):
        made.update(options, model=model)
        return "tracker"

    monkeypatch.setattr(segmentation.tracker, "VideoTracker", recorder)
    model = SimpleNamespace(image_size=image_size)
    assert engines.build_tracker("sam2", "frames", model) == "tracker"
    assert made == {"model": model, "upsample": method}


def test_a_512_like_model_tracks_with_guided_edges():
    """The micro EfficientTAM predicts 48² logits: the tracker build_tracker gives shows
    frames whose video logits are the guided enlargement of its low-res ones (not bilinear)."""
    from tests.micro_efficienttam import micro_efficienttam

    rng = np.random.default_rng(0)
    frames = np.zeros((2, 60, 80, 3), np.uint8)
    frames[:, :, :] = (40, 90, 190)
    frames[:, 15:45, 20:50] = (210, 70, 40)
    frames = np.clip(frames + rng.integers(-5, 6, frames.shape), 0, 255).astype(np.uint8)
    tracker = engines.build_tracker("sam2", frames, micro_efficienttam())
    assert tracker.options.upsample == "guided"
    tracker.add_prompt(0, 1, points=[[35, 30]], labels=[1])
    result = next(iter(tracker.propagate()))
    guided = upsample_logits(result.low_res_logits, 60, 80, "guided", frames[0])
    bilinear = upsample_logits(result.low_res_logits, 60, 80, "bilinear")
    np.testing.assert_allclose(result.logits, guided, atol=1e-5)
    assert np.abs(result.logits - bilinear).max() > 1e-3  # (a random model: logits ~0.02)
