"""Run the official EfficientTAM code on the micro model: image cases and video scenarios.

Usage (scratch environment with the official requirements; see README):

    python micro_runs.py OFFICIAL_SRC OUT_DIR

writes ``OUT_DIR/micro/``: ``checkpoint.pt`` (one set of weights for all variants: the
cross-attention classes have the same parameters), ``config_<variant>.json`` (manifest schema),
``inputs.npz``, ``image_outputs.npz``, ``video_outputs_<variant>.npz``, ``scenario.json``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import manifests  # noqa: E402
import micro_model as mm  # noqa: E402

POSTPROCESSING = [
    "++model.sam_mask_decoder_extra_args.dynamic_multimask_via_stability=true",
    "++model.sam_mask_decoder_extra_args.dynamic_multimask_stability_delta=0.05",
    "++model.sam_mask_decoder_extra_args.dynamic_multimask_stability_thresh=0.98",
]
VIDEO = [
    "++model._target_=efficient_track_anything.efficienttam_video_predictor."
    "EfficientTAMVideoPredictor",
    "++model.binarize_mask_from_pts_for_mem_enc=true",
    "++model.fill_hole_area=0",
]
IMAGE_CASES: dict[str, dict[str, Any]] = {
    "click_multi": dict(point_coords=[[80.0, 48.0]], point_labels=[1], multimask_output=True),
    "click_single": dict(point_coords=[[80.0, 48.0]], point_labels=[1], multimask_output=False),
    "pos_neg": dict(point_coords=[[80.0, 48.0], [128.0, 32.0]], point_labels=[1, 0],
                    multimask_output=False),
    "box": dict(box=[48.0, 16.0, 144.0, 96.0], multimask_output=False),
    "box_click": dict(box=[48.0, 16.0, 144.0, 96.0], point_coords=[[96.0, 56.0]],
                      point_labels=[0], multimask_output=False),
    "mask_input": dict(point_coords=[[80.0, 48.0], [112.0, 72.0]], point_labels=[1, 1],
                       multimask_output=False),
}
STEPS: list[dict[str, Any]] = [
    dict(step="step1a", call="add_new_points_or_box", frame_idx=0, obj_id=1,
         clear_old_points=True, points_xy=[[45.0, 75.0]], labels=[1]),
    dict(step="step1b", call="add_new_points_or_box", frame_idx=0, obj_id=1,
         clear_old_points=False, points_xy=[[56.0, 48.0]], labels=[0]),
    dict(step="step2", call="add_new_points_or_box", frame_idx=0, obj_id=2,
         clear_old_points=True, box_xyxy=[64.0, 0.0, 106.0, 86.0]),
    dict(step="step3", call="propagate_in_video"),
    dict(step="step4", call="add_new_points_or_box", frame_idx=5, obj_id=1,
         clear_old_points=True, points_xy=[[120.0, 60.0]], labels=[1]),
    dict(step="step5", call="propagate_in_video"),
    dict(step="step6", call="propagate_in_video", start_frame_idx=7, reverse=True),
]
#: Steps whose video-resolution logits are stored (plain variant, scenario A only).
VIDEO_RES_STEPS = {"step1a", "step1b", "step2", "step3"}


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().float().cpu().numpy()


def build(variant: str, video: bool, sd: dict[str, torch.Tensor] | None = None) -> Any:
    from hydra.utils import instantiate

    extra = ["++model.compile_image_encoder=False", *mm.overrides(variant), *POSTPROCESSING]
    node = manifests.compose_model(mm.BASE_CONFIG, [*VIDEO, *extra] if video else extra)
    model = instantiate(node, _recursive_=True)
    if sd is not None:
        model.load_state_dict(sd, strict=True)
    return model.eval()


def image_run(sd: dict[str, torch.Tensor], frame: np.ndarray) -> dict[str, np.ndarray]:
    from efficient_track_anything.efficienttam_image_predictor import EfficientTAMImagePredictor

    model = build("plain", video=False, sd=sd)
    pred = EfficientTAMImagePredictor(model)
    s = mm.IMAGE_SIZE
    pred._bb_feat_sizes = [(s // 4, s // 4), (s // 8, s // 8), (s // 16, s // 16)]
    seen: dict[str, Any] = {}
    model.image_encoder.trunk.register_forward_hook(
        lambda m, i, o: seen.__setitem__("trunk", o))
    model.image_encoder.neck.register_forward_hook(lambda m, i, o: seen.__setitem__("neck", o))
    model.sam_prompt_encoder.register_forward_hook(
        lambda m, a, kw, o: seen.__setitem__("prompt", (kw["points"], o)), with_kwargs=True)
    model.sam_mask_decoder.register_forward_hook(lambda m, i, o: seen.__setitem__("dec", o))
    out: dict[str, np.ndarray] = {}
    with torch.no_grad():
        pred.set_image(frame)
        out["image.image_input"] = _np(pred._transforms(frame)[None])
        out["image.trunk_out0"] = _np(seen["trunk"][0])
        out["image.fpn0"] = _np(seen["neck"][0][0])
        out["image.fpn_pos0"] = _np(seen["neck"][1][0])
        out["image.image_embed"] = _np(pred._features["image_embed"])
        out["image.dense_pe"] = _np(model.sam_prompt_encoder.get_dense_pe())
        for case, spec in IMAGE_CASES.items():
            kwargs = {k: np.array(v, dtype=np.float32 if k != "point_labels" else np.int32)
                      for k, v in spec.items() if k != "multimask_output"}
            if case == "mask_input":
                best = int(np.argmax(out["click_multi.iou_predictions"]))
                kwargs["mask_input"] = out["click_multi.low_res_logits"][best][None]
            masks, ious, low = pred.predict(**kwargs, multimask_output=spec["multimask_output"],
                                            return_logits=True)
            for k, v in kwargs.items():
                out[f"{case}.{k}"] = v
            out[f"{case}.multimask_output"] = np.array(spec["multimask_output"])
            out[f"{case}.masks_logits"] = masks.astype(np.float32)
            out[f"{case}.iou_predictions"] = ious.astype(np.float32)
            out[f"{case}.low_res_logits"] = low.astype(np.float32)
            points, (sparse, _dense) = seen["prompt"]
            out[f"{case}.model_point_coords"] = _np(points[0][:, :-1])
            out[f"{case}.model_point_labels"] = points[1][:, :-1].cpu().numpy().astype(np.int32)
            out[f"{case}.sparse_embeddings"] = _np(sparse)
            out[f"{case}.object_score_logits"] = _np(seen["dec"][3])
    return out


def _stored(state: dict[str, Any], obj_idx: int, frame: int) -> dict[str, Any] | None:
    for holder in (state["temp_output_dict_per_obj"], state["output_dict_per_obj"]):
        for kind in ("cond_frame_outputs", "non_cond_frame_outputs"):
            found = holder[obj_idx][kind].get(frame)
            if found is not None:
                return found
    return None


def _record(rec: dict[str, list], state: dict[str, Any], frame: int, obj_ids: list[int],
            video_res: torch.Tensor) -> None:
    low, score, ptr, mem = [], [], [], []
    for obj_id in obj_ids:
        out = _stored(state, state["obj_id_to_idx"][obj_id], frame)
        low.append(_np(out["pred_masks"][0, 0]))
        score.append(float(out["object_score_logits"].reshape(-1)[0]))
        ptr.append(_np(out["obj_ptr"][0]))
        m = out["maskmem_features"]
        mem.append(_np(m[0]) if m is not None else None)
    rec["frame_idx"].append(frame)
    rec["obj_ids"] = list(obj_ids)
    rec["video_res_logits"].append(_np(video_res[:, 0]))
    rec["low_res_logits"].append(np.stack(low))
    rec["object_score_logits"].append(np.array(score, dtype=np.float32))
    rec["obj_ptr"].append(np.stack(ptr))
    rec["maskmem_features"].append(mem)


def _finish(rec: dict[str, list], mem_shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    mems = [np.stack([m if m is not None else np.full(mem_shape, np.nan, np.float32)
                      for m in row]) for row in rec["maskmem_features"]]
    return {"frame_idx": np.array(rec["frame_idx"], dtype=np.int32),
            "obj_ids": np.array(rec["obj_ids"], dtype=np.int32),
            "video_res_logits": np.stack(rec["video_res_logits"]),
            "low_res_logits": np.stack(rec["low_res_logits"]),
            "object_score_logits": np.stack(rec["object_score_logits"]),
            "obj_ptr": np.stack(rec["obj_ptr"]), "maskmem_features": np.stack(mems)}


def video_run(variant: str, sd: dict[str, torch.Tensor], jpeg_dir: Path,
              as_cond: bool) -> tuple[dict[str, dict[str, np.ndarray]], int]:
    """Every step of the scenario; returns ({step: fields}, float32 casts done by the patch)."""
    model = build(variant, video=True, sd=sd)
    model.add_all_frames_to_correct_as_cond = as_cond
    casts = [0]

    def to_float32(module: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        # harness patch (README): bfloat16 memories reach a float32 Linear on CPU when no
        # object pointer is concatenated to them; the official code crashes there
        if kwargs["memory"].dtype != torch.float32:
            casts[0] += 1
            kwargs["memory"] = kwargs["memory"].float()
            kwargs["memory_pos"] = kwargs["memory_pos"].float()
        return args, kwargs

    model.memory_attention.register_forward_pre_hook(to_float32, with_kwargs=True)
    mem_shape = (model.mem_dim, mm.IMAGE_SIZE // 16, mm.IMAGE_SIZE // 16)
    steps: dict[str, dict[str, np.ndarray]] = {}
    with torch.no_grad():
        state = model.init_state(str(jpeg_dir))
        for step in STEPS:
            rec: dict[str, list] = {k: [] for k in ("frame_idx", "video_res_logits",
                                                   "low_res_logits", "object_score_logits",
                                                   "obj_ptr", "maskmem_features")}
            if step["call"] == "add_new_points_or_box":
                frame, ids, masks = model.add_new_points_or_box(
                    state, frame_idx=step["frame_idx"], obj_id=step["obj_id"],
                    points=step.get("points_xy"), labels=step.get("labels"),
                    clear_old_points=step["clear_old_points"], box=step.get("box_xyxy"))
                _record(rec, state, frame, list(ids), masks)
                fields = _finish(rec, mem_shape)
                pts = state["point_inputs_per_obj"][state["obj_id_to_idx"][step["obj_id"]]]
                fields["model_point_coords"] = _np(pts[frame]["point_coords"][0])
                fields["model_point_labels"] = pts[frame]["point_labels"][0].numpy().astype(
                    np.int32)
            else:
                for frame, ids, masks in model.propagate_in_video(
                        state, start_frame_idx=step.get("start_frame_idx"),
                        reverse=step.get("reverse", False)):
                    _record(rec, state, frame, list(ids), masks)
                fields = _finish(rec, mem_shape)
            steps[step["step"]] = fields
    return steps, casts[0]


def main(argv: list[str]) -> None:
    src, out = Path(argv[0]), Path(argv[1]) / "micro"
    shift = float(argv[2]) if len(argv) > 2 else mm.SCORE_BIAS_SHIFT
    manifests.setup_official(src)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(2)
    model = build("plain", video=False)
    record = mm.randomise(model, score_shift=shift)
    sd = {k: v.clone() for k, v in model.state_dict().items()}
    torch.save({"model": sd}, out / "checkpoint.pt")
    for variant in mm.VARIANTS:
        cfg = manifests.manifest("micro_" + variant, mm.overrides(variant), mm.BASE_CONFIG)
        cfg["derived_from"] = "efficienttam_ti"
        cfg["randomisation"] = record
        (out / f"config_{variant}.json").write_text(json.dumps(cfg, indent=1) + "\n")
    with tempfile.TemporaryDirectory() as tmp:
        frames = mm.write_jpegs(mm.synthetic_frames(), Path(tmp))
        np.savez_compressed(out / "inputs.npz", frames=np.stack(frames))
        np.savez_compressed(out / "image_outputs.npz", **image_run(sd, frames[0]))
        import runs_io
        runs_io.write_video(out, sd, Path(tmp), video_run)
    runs_io.write_scenario(out, STEPS)


if __name__ == "__main__":
    main(sys.argv[1:])
