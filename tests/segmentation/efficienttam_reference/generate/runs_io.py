"""Store the micro video runs (all variants, scenarios A and B) and the scenario description.

Part of the reference generator (see README); never imported by the test suite.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import micro_model as mm
import numpy as np

SETTINGS = {"fill_hole_area": 0, "non_overlap_masks": False,
            "clear_non_cond_mem_around_input": False, "offload_video_to_cpu": False,
            "offload_state_to_cpu": False, "async_loading_frames": False,
            "binarize_mask_from_pts_for_mem_enc": True,
            "dynamic_multimask_via_stability": True,
            "dynamic_multimask_stability_delta": 0.05,
            "dynamic_multimask_stability_thresh": 0.98}


def _presence(steps: dict[str, dict[str, np.ndarray]]) -> str:
    lines = []
    for name, f in steps.items():
        signs = ["".join("+" if s > 0 else "-" for s in row) for row in f["object_score_logits"]]
        lines.append(f"  {name}: frames {f['frame_idx'].tolist()} objs "
                     f"{f['obj_ids'].tolist()} {' '.join(signs)}")
    return "\n".join(lines)


def write_video(out: Path, sd: Any, jpeg_dir: Path, run: Callable) -> None:
    """Run A and B for each variant; write ``video_outputs_<variant>.npz``."""
    summary = {}
    for variant in mm.VARIANTS:
        a, casts_a = run(variant, sd, jpeg_dir, as_cond=False)
        b, casts_b = run(variant, sd, jpeg_dir, as_cond=True)
        for step in ("step1a", "step1b", "step2", "step3"):
            for key, value in a[step].items():
                assert np.array_equal(value, b[step][key], equal_nan=True), (variant, step, key)
        arrays: dict[str, np.ndarray] = {}
        for scenario, steps, recorded in (("A", a, list(a)), ("B", b, ["step4", "step5",
                                                                         "step6"])):
            for step in recorded:
                for key, value in steps[step].items():
                    if key == "video_res_logits" and not (
                            scenario == "A" and variant == "plain" and step in (
                                "step1a", "step1b", "step2", "step3")):
                        continue
                    arrays[f"{scenario}.{step}.{key}"] = value
        np.savez_compressed(out / f"video_outputs_{variant}.npz", **arrays)
        summary[variant] = {"float32_casts_A": casts_a, "float32_casts_B": casts_b}
        print(f"{variant}: casts A {casts_a} B {casts_b}\n A\n{_presence(a)}\n B\n"
              f"{_presence({k: b[k] for k in ('step4', 'step5', 'step6')})}")
    (out / "harness_patch_counts.json").write_text(json.dumps(summary, indent=1) + "\n")


def write_scenario(out: Path, steps: list[dict[str, Any]]) -> None:
    data = {
        "about": "Replayable description of the micro EfficientTAM video scenario. Arrays live "
                 "in video_outputs_<variant>.npz under '<scenario>.<step>.<field>'.",
        "model": "micro (config_<variant>.json) loaded from checkpoint.pt, built as the "
                 "official build_efficienttam_video_predictor does on a GPU machine, with "
                 "fill_hole_area 0",
        "variants": {k: f"memory cross-attention {v}" for k, v in mm.VARIANTS.items()},
        "video": {"frames": "inputs.npz:frames (uint8, N x H x W x 3, RGB) = PIL decode of the "
                            "JPEG files the official loader read",
                  "num_frames": mm.NUM_FRAMES, "video_height": mm.HEIGHT,
                  "video_width": mm.WIDTH,
                  "source": "synthetic (micro_model.synthetic_frames, seed "
                            f"{mm.FRAME_SEED}), saved as JPEG quality 95"},
        "coordinates": f"pixels of the {mm.WIDTH}x{mm.HEIGHT} frame, x then y; box = "
                       "[x0, y0, x1, y1]; label 1 positive, 0 negative; normalize_coords=true",
        "predictor_settings": SETTINGS,
        "scenarios": {
            "A": {"add_all_frames_to_correct_as_cond": False,
                  "steps_recorded": [s["step"] for s in steps],
                  "video_res_logits": "plain variant only, steps 1a, 1b, 2, 3"},
            "B": {"add_all_frames_to_correct_as_cond": True,
                  "note": "same calls; steps 1a..3 are bit-identical to A and not repeated",
                  "steps_recorded": ["step4", "step5", "step6"], "video_res_logits": "none"}},
        "steps": steps,
    }
    (out / "scenario.json").write_text(json.dumps(data, indent=1) + "\n")
