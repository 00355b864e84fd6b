"""VideoTracker with EfficientTAM against the official EfficientTAMVideoPredictor (micro model).

Each memory cross-attention variant (plain RoPE, pooled v1, pooled v2) replays the scenario of
``efficienttam_reference/micro/scenario.json`` end to end from the uint8 frames: A with the
official defaults, B with corrections kept as conditioning frames and a reverse pass. Tolerances
as for SAM 2 (see ``video_replay``).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from segmentation.sam2 import load_sam2
from segmentation.tracker import VideoTracker
from tests.segmentation.efficienttam_data import VARIANTS, reference_file
from tests.segmentation.video_replay import ALL_STEPS, replay

FIRST_STEPS = {"step1a", "step1b", "step2", "step3"}


@pytest.fixture(scope="module")
def data():
    scenario = json.loads(reference_file("micro", "scenario.json").read_text())
    frames = np.load(reference_file("micro", "inputs.npz"))["frames"]
    return scenario, frames


def _setup(variant: str):
    model = load_sam2(reference_file("micro", "checkpoint.pt"),
                      config=reference_file("micro", f"config_{variant}.json"))
    return model, np.load(reference_file("micro", f"video_outputs_{variant}.npz"))


@pytest.mark.parametrize("variant", VARIANTS)
def test_scenario_a_official_defaults(data, variant: str) -> None:
    scenario, frames = data
    model, outputs = _setup(variant)
    tracker = VideoTracker(model, frames, corrections_as_conditioning=False)
    assert replay(tracker, scenario, outputs, "A", ALL_STEPS, with_video=True) == 28
    scores = np.concatenate([outputs[f"A.{s}.object_score_logits"].ravel()
                             for s in ("step3", "step6")])
    assert (scores > 0).any() and (scores <= 0).any()  # both presence branches exercised


@pytest.mark.parametrize("variant", VARIANTS)
def test_scenario_b_corrections_as_conditioning(data, variant: str) -> None:
    scenario, frames = data
    model, outputs = _setup(variant)
    tracker = VideoTracker(model, frames, corrections_as_conditioning=True)
    replay(tracker, scenario, outputs, "A", FIRST_STEPS, with_video=True)
    assert replay(tracker, scenario, outputs, "B", {"step4", "step5", "step6"}, False) == 17


def test_pooled_variants_differ_from_plain() -> None:
    """The data would not catch a pooled model that silently ran plain attention otherwise."""
    plain = np.load(reference_file("micro", "video_outputs_plain.npz"))
    for variant in ("pooled1", "pooled2"):
        pooled = np.load(reference_file("micro", f"video_outputs_{variant}.npz"))
        a, b = plain["A.step3.low_res_logits"], pooled["A.step3.low_res_logits"]
        assert np.abs(a[1:] - b[1:]).max() > 0.1, variant
