"""Conformance of the video tracker with the official SAM2VideoPredictor (micro fixture).

Replays ``micro/scenario.json`` through ``VideoTracker`` and compares every step and field of
``video_outputs.npz`` with the README §2.9 tolerances: logits atol 2e-3 on present outputs and
exactly −1024 on absent ones, object scores atol 5e-4 with the same sign, pointers atol 5e-4,
memories within one bfloat16 step (2^-7·|x|) + 1e-3.

Preprocessing of the uint8 frames is bit-exact (see test_tracker_preprocess.py), so the end-to-end
run from uint8 frames is held to the same tolerances.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from segmentation.tracker import VideoTracker
from tests.segmentation.video_replay import ALL_STEPS, replay


def _load_micro(ref):
    from segmentation import sam2

    model = sam2.load_sam2(ref / "micro" / "checkpoint.pt", config=ref / "micro" / "config.json")
    return model.eval()


@pytest.fixture(scope="module")
def micro(sam2_reference):
    torch.set_num_threads(max(torch.get_num_threads(), 1))
    scenario = json.loads((sam2_reference / "micro" / "scenario.json").read_text())
    inputs = np.load(sam2_reference / "micro" / "inputs.npz")
    outputs = np.load(sam2_reference / "micro" / "video_outputs.npz")
    return _load_micro(sam2_reference), scenario, inputs, outputs


ALL = ALL_STEPS


def test_scenario_a_official_defaults(micro):
    model, scenario, inputs, outputs = micro
    images = torch.from_numpy(inputs["video_images"])
    tracker = VideoTracker.from_model_inputs(model, images, (135, 240),
                                             corrections_as_conditioning=False)
    assert replay(tracker, scenario, outputs, "A", ALL, with_video=True) == 3 + 8 + 1 + 8 + 8


def test_scenario_b_corrections_kept(micro):
    model, scenario, inputs, outputs = micro
    images = torch.from_numpy(inputs["video_images"])
    tracker = VideoTracker.from_model_inputs(model, images, (135, 240),
                                             corrections_as_conditioning=True)
    # steps 1a..3 are identical to A; check them against A, then B's own steps 4..6
    replay(tracker, scenario, outputs, "A", {"step1a", "step1b", "step2", "step3"}, True)
    assert replay(tracker, scenario, outputs, "B", {"step4", "step5", "step6"}, False) == 17


def test_scenario_a_end_to_end_from_uint8_frames(micro):
    model, scenario, inputs, outputs = micro
    tracker = VideoTracker(model, inputs["frames"], corrections_as_conditioning=False)
    assert replay(tracker, scenario, outputs, "A", ALL, with_video=True) == 28
