"""The official configurations as plain data: eight SAM 2 / SAM 2.1 (here) and eight
EfficientTAM (``configs_efficienttam``).

Each config is a nested dict in the reference manifest schema (``hyperparameters`` of
``sam2-reference/manifest/<name>.json``): ``image_encoder.trunk``, ``image_encoder.neck``,
``image_encoder.scalp``, ``memory_attention``, ``memory_encoder`` and the top-level flags.
All eight share the tiny model's layout; sizes differ in the trunk, and SAM 2.0 lacks the
three 2.1 object-pointer/no-object flags.
"""

from __future__ import annotations

import copy
from typing import Any

from segmentation.sam2 import config_parts
from segmentation.sam2.configs_efficienttam import EFFICIENTTAM_NAMES, efficienttam_hyperparameters

#: Trunk differences per size: embed_dim, num_heads, stages, global_att_blocks,
#: window_spec, window_pos_embed_bkg_spatial_size.
_TRUNKS: dict[str, dict[str, Any]] = {
    "t": dict(embed_dim=96, num_heads=1, stages=[1, 2, 7, 2], global_att_blocks=[5, 7, 9],
              window_spec=[8, 4, 14, 7], window_pos_embed_bkg_spatial_size=[7, 7]),
    "s": dict(embed_dim=96, num_heads=1, stages=[1, 2, 11, 2], global_att_blocks=[7, 10, 13],
              window_spec=[8, 4, 14, 7], window_pos_embed_bkg_spatial_size=[7, 7]),
    "b+": dict(embed_dim=112, num_heads=2, stages=[2, 3, 16, 3],
               global_att_blocks=[12, 16, 20], window_spec=[8, 4, 14, 7],
               window_pos_embed_bkg_spatial_size=[14, 14]),
    "l": dict(embed_dim=144, num_heads=2, stages=[2, 6, 36, 4], global_att_blocks=[23, 33, 43],
              window_spec=[8, 4, 16, 8], window_pos_embed_bkg_spatial_size=[7, 7]),
}

#: Flags that SAM 2.1 turns on and SAM 2.0 leaves off.
_V21_FLAGS = ("add_tpos_enc_to_obj_ptrs", "proj_tpos_enc_in_obj_ptrs",
              "use_signed_tpos_enc_to_obj_ptrs", "no_obj_embed_spatial")


def _rope(kv_in_dim: int | None, k_repeat: bool, d_model: int, feat: int) -> dict[str, Any]:
    return dict(rope_theta=10000.0, rope_k_repeat=k_repeat, feat_sizes=[feat, feat],
                embedding_dim=d_model, num_heads=1, downsample_rate=1, dropout=0.1,
                kv_in_dim=kv_in_dim)


def _top_level_flags() -> dict[str, Any]:
    return dict(
        num_maskmem=7, image_size=1024, backbone_stride=16, sigmoid_scale_for_mem_enc=20.0,
        sigmoid_bias_for_mem_enc=-10.0, binarize_mask_from_pts_for_mem_enc=False,
        use_mask_input_as_output_without_sam=True, max_cond_frames_in_attn=-1,
        directly_add_no_mem_embed=True, use_high_res_features_in_sam=True,
        multimask_output_in_sam=True, multimask_min_pt_num=0, multimask_max_pt_num=1,
        multimask_output_for_tracking=True, use_multimask_token_for_obj_ptr=True,
        iou_prediction_use_sigmoid=True, memory_temporal_stride_for_eval=1,
        non_overlap_masks_for_mem_enc=False, use_obj_ptrs_in_encoder=True,
        max_obj_ptrs_in_encoder=16, add_tpos_enc_to_obj_ptrs=True,
        proj_tpos_enc_in_obj_ptrs=True, use_signed_tpos_enc_to_obj_ptrs=True,
        only_obj_ptrs_in_the_past_for_eval=True, pred_obj_scores=True,
        pred_obj_scores_mlp=True, fixed_no_obj_ptr=True, soft_no_obj_ptr=False,
        use_mlp_for_obj_ptr_proj=True, no_obj_embed_spatial=True,
        sam_mask_decoder_extra_args=None, compile_image_encoder=False,
    )


def _official(size: str, v21: bool) -> dict[str, Any]:
    trunk = dict(drop_path_rate=0.0, q_pool=3, q_stride=[2, 2], dim_mul=2.0, head_mul=2.0,
                 return_interm_layers=True, **copy.deepcopy(_TRUNKS[size]))
    e = trunk["embed_dim"]
    neck = dict(position_encoding=config_parts.sine(256), d_model=256,
                backbone_channel_list=[8 * e, 4 * e, 2 * e, e], kernel_size=1, stride=1,
                padding=0, fpn_interp_model="nearest", fuse_type="sum",
                fpn_top_down_levels=[2, 3])
    layer = dict(activation="relu", cross_attention=_rope(64, True, 256, 64), d_model=256,
                 dim_feedforward=2048, dropout=0.1, pos_enc_at_attn=False,
                 pos_enc_at_cross_attn_keys=True, pos_enc_at_cross_attn_queries=False,
                 self_attention=_rope(None, False, 256, 64))
    memory_encoder = config_parts.memory_encoder()
    hp: dict[str, Any] = dict(
        image_encoder=dict(trunk=trunk, neck=neck, scalp=1),
        memory_attention=dict(d_model=256, pos_enc_at_input=True, layer=layer, num_layers=4,
                              batch_first=True),
        memory_encoder=memory_encoder,
        **_top_level_flags(),
    )
    if not v21:
        for flag in _V21_FLAGS:
            hp[flag] = False
    return hp


#: Official SAM 2 config names in the order the README lists them.
SAM2_CONFIG_NAMES: tuple[str, ...] = tuple(
    f"{prefix}_hiera_{size}" for prefix in ("sam2.1", "sam2") for size in ("t", "s", "b+", "l")
)
#: Official EfficientTAM config names (see ``configs_efficienttam``).
EFFICIENTTAM_CONFIG_NAMES: tuple[str, ...] = EFFICIENTTAM_NAMES
#: Every official config of the model family: SAM 2 first, then EfficientTAM.
CONFIG_NAMES: tuple[str, ...] = SAM2_CONFIG_NAMES + EFFICIENTTAM_CONFIG_NAMES


def official_hyperparameters(name: str) -> dict[str, Any]:
    """A fresh (mutable) hyper-parameter dict of the official config ``name``."""
    if name in EFFICIENTTAM_CONFIG_NAMES:
        return efficienttam_hyperparameters(name)
    prefix, _, size = name.partition("_hiera_")
    if prefix not in ("sam2", "sam2.1") or size not in _TRUNKS:
        raise KeyError(name)
    return _official(size, prefix == "sam2.1")
