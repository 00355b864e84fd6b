"""Tracker options (what the caller chooses) and model settings (what the config fixes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from segmentation.upsample import check_method


@dataclass(frozen=True)
class TrackerOptions:
    """Behaviour switches of :class:`~segmentation.tracker.VideoTracker`.

    Attributes:
        corrections_as_conditioning: a prompt on an already tracked frame becomes a
            conditioning frame (kept by later passes). False = the official default, where
            such a correction is overwritten by the next propagation.
        non_overlap: at video resolution, each pixel keeps only the object with the highest
            logit (others are clamped to ≤ −10), as the official ``non_overlap_masks``.
        fill_hole_area: fill background holes up to this many low-res pixels (0 = off).
        memory: "window" keeps only the memories a pass can still read (flat in clip
            length); "full" keeps every frame's memory like the official predictor.
        feature_cache_mb: bound of the LRU cache of per-frame image features.
        result_cache_mb: bound of the LRU cache of per-frame outputs (low-res logits and
            spatial memory; a correction's re-track reads the frames behind it from here).
        binarize_prompted_masks: memory of prompted frames from the binarised mask (the
            official video builder's choice).
        upsample: how low-res logits reach video resolution: "bilinear" (official) or
            "guided" (the frame guides the edge, :mod:`segmentation.upsample`).
    """

    corrections_as_conditioning: bool = True
    non_overlap: bool = False
    fill_hole_area: int = 0
    memory: str = "window"
    feature_cache_mb: float = 1024.0
    result_cache_mb: float = 256.0
    binarize_prompted_masks: bool = True
    upsample: str = "bilinear"

    def __post_init__(self) -> None:
        check_method(self.upsample)
        if self.memory not in ("window", "full"):
            raise ValueError(f"memory must be 'window' or 'full', got {self.memory!r}")


@dataclass(frozen=True)
class ModelSettings:
    """Tracking-relevant hyper-parameters of a SAM 2 config (manifest schema names)."""

    image_size: int
    hidden_dim: int
    mem_dim: int
    num_maskmem: int
    max_obj_ptrs_in_encoder: int
    max_cond_frames_in_attn: int
    memory_temporal_stride: int
    sigmoid_scale: float
    sigmoid_bias: float
    multimask_output_in_sam: bool
    multimask_min_pt_num: int
    multimask_max_pt_num: int
    multimask_output_for_tracking: bool
    use_obj_ptrs_in_encoder: bool
    add_tpos_enc_to_obj_ptrs: bool
    proj_tpos_enc_in_obj_ptrs: bool
    use_signed_tpos_enc_to_obj_ptrs: bool
    only_obj_ptrs_in_the_past: bool
    directly_add_no_mem_embed: bool
    #: the decoder reads stride-4/8 skip features (SAM 2; EfficientTAM does not)
    use_high_res_features: bool = True

    @property
    def low_res_size(self) -> int:
        return self.image_size // 4

    @property
    def lookback_frames(self) -> int:
        """How far back (frames) a tracked frame can read memories or pointers."""
        stride = max(self.memory_temporal_stride, 1)
        return max((self.num_maskmem - 1) * stride, self.max_obj_ptrs_in_encoder - 1, 1)

    @classmethod
    def from_hyperparameters(cls, hp: dict[str, Any]) -> ModelSettings:
        """From the manifest-schema ``hyperparameters`` dict."""
        return cls(
            image_size=int(hp["image_size"]),
            hidden_dim=int(hp["memory_attention"]["d_model"]),
            mem_dim=int(hp["memory_encoder"]["out_dim"]),
            num_maskmem=int(hp["num_maskmem"]),
            max_obj_ptrs_in_encoder=int(hp["max_obj_ptrs_in_encoder"]),
            max_cond_frames_in_attn=int(hp["max_cond_frames_in_attn"]),
            memory_temporal_stride=int(hp["memory_temporal_stride_for_eval"]),
            sigmoid_scale=float(hp["sigmoid_scale_for_mem_enc"]),
            sigmoid_bias=float(hp["sigmoid_bias_for_mem_enc"]),
            multimask_output_in_sam=bool(hp["multimask_output_in_sam"]),
            multimask_min_pt_num=int(hp["multimask_min_pt_num"]),
            multimask_max_pt_num=int(hp["multimask_max_pt_num"]),
            multimask_output_for_tracking=bool(hp["multimask_output_for_tracking"]),
            use_obj_ptrs_in_encoder=bool(hp["use_obj_ptrs_in_encoder"]),
            add_tpos_enc_to_obj_ptrs=bool(hp["add_tpos_enc_to_obj_ptrs"]),
            proj_tpos_enc_in_obj_ptrs=bool(hp["proj_tpos_enc_in_obj_ptrs"]),
            use_signed_tpos_enc_to_obj_ptrs=bool(hp["use_signed_tpos_enc_to_obj_ptrs"]),
            only_obj_ptrs_in_the_past=bool(hp["only_obj_ptrs_in_the_past_for_eval"]),
            directly_add_no_mem_embed=bool(hp["directly_add_no_mem_embed"]),
            use_high_res_features=bool(hp.get("use_high_res_features_in_sam", True)),
        )

    def use_multimask(self, is_init_cond_frame: bool, num_points: int) -> bool:
        """Official rule: multimask for 0..1 points (boxes count 2), on init or tracked frames."""
        return (
            self.multimask_output_in_sam
            and (is_init_cond_frame or self.multimask_output_for_tracking)
            and self.multimask_min_pt_num <= num_points <= self.multimask_max_pt_num
        )
