"""The eight official EfficientTAM configurations as plain data (manifest schema).

EfficientTAM keeps SAM 2's heads, memory encoder and memory attention and swaps the Hiera trunk
and FPN for a plain ViT (patch 16) and a one-level ViTDet neck (``use_high_res_features_in_sam``
false, ``scalp`` 0). Sizes: Ti (192 channels, 3 heads) and S (384, 6), both 12 blocks with
global attention in blocks 2, 5, 8, 11. Variants: ``_512x512`` (512-pixel input, 32×32
features), ``_1`` / ``_2`` (pooled memory cross-attention ``EfficientRoPEAttention1/2`` at
1024 pixels). Object pointers get no temporal encoding (``add_tpos_enc_to_obj_ptrs`` false).

The ``type`` entries (trunk ``ViT``, neck ``ViTDetNeck``, cross-attention class name) are
the only keys the SAM 2 manifests do not have.
"""

from __future__ import annotations

from typing import Any

from segmentation.sam2 import config_parts

#: Trunk width and heads per size.
_SIZES = {"ti": (192, 3), "s": (384, 6)}
#: Variant → (image_size, cross-attention type).
_VARIANTS = {"": (1024, "RoPEAttention"), "_512x512": (512, "RoPEAttention"),
             "_1": (1024, "EfficientRoPEAttention1"), "_2": (1024, "EfficientRoPEAttention2")}

#: Official names in the order of the official README's table.
EFFICIENTTAM_NAMES: tuple[str, ...] = tuple(
    f"efficienttam_{size}{variant}" for size in ("ti", "s") for variant in
    ("", "_512x512", "_1", "_2")
)


def _trunk(embed_dim: int, num_heads: int) -> dict[str, Any]:
    return dict(
        type="ViT", img_size=1024, patch_size=16, in_chans=3, embed_dim=embed_dim, depth=12,
        num_heads=num_heads, mlp_ratio=4.0, qkv_bias=True, drop_path_rate=0.0,
        norm_layer="LayerNorm(eps=1e-06)", act_layer="gelu", use_abs_pos=True,
        use_rel_pos=False, rel_pos_zero_init=True, window_size=14,
        window_block_indexes=[0, 1, 3, 4, 6, 7, 9, 10], use_act_checkpoint=False,
        pretrain_img_size=224, pretrain_use_cls_token=True, dropout=0.0,
        return_interm_layers=False, init_values=None,
    )


def _attention(kind: str | None, feat: int, kv_in_dim: int | None,
               k_repeat: bool) -> dict[str, Any]:
    hp: dict[str, Any] = dict(type=kind) if kind else {}
    hp.update(rope_theta=10000.0, rope_k_repeat=k_repeat, feat_sizes=[feat, feat],
              embedding_dim=256, num_heads=1, downsample_rate=1, dropout=0.1,
              kv_in_dim=kv_in_dim)
    return hp


def _top_level(image_size: int) -> dict[str, Any]:
    return dict(
        num_maskmem=7, image_size=image_size, backbone_stride=16,
        sigmoid_scale_for_mem_enc=20.0, sigmoid_bias_for_mem_enc=-10.0,
        binarize_mask_from_pts_for_mem_enc=False, use_mask_input_as_output_without_sam=True,
        max_cond_frames_in_attn=-1, directly_add_no_mem_embed=True,
        use_high_res_features_in_sam=False, multimask_output_in_sam=True,
        multimask_min_pt_num=0, multimask_max_pt_num=1, multimask_output_for_tracking=True,
        use_multimask_token_for_obj_ptr=True, iou_prediction_use_sigmoid=True,
        memory_temporal_stride_for_eval=1, non_overlap_masks_for_mem_enc=False,
        use_obj_ptrs_in_encoder=True, max_obj_ptrs_in_encoder=16,
        add_tpos_enc_to_obj_ptrs=False, proj_tpos_enc_in_obj_ptrs=False,
        use_signed_tpos_enc_to_obj_ptrs=False, only_obj_ptrs_in_the_past_for_eval=True,
        pred_obj_scores=True, pred_obj_scores_mlp=True, fixed_no_obj_ptr=True,
        soft_no_obj_ptr=False, use_mlp_for_obj_ptr_proj=True, no_obj_embed_spatial=False,
        sam_mask_decoder_extra_args=None, compile_image_encoder=False,
    )


def efficienttam_hyperparameters(name: str) -> dict[str, Any]:
    """A fresh (mutable) hyper-parameter dict of the official EfficientTAM config ``name``."""
    rest = name.removeprefix("efficienttam_")
    size, _, variant = rest.partition("_")
    variant = f"_{variant}" if variant else ""
    if not name.startswith("efficienttam_") or size not in _SIZES or variant not in _VARIANTS:
        raise KeyError(name)
    embed_dim, heads = _SIZES[size]
    image_size, cross = _VARIANTS[variant]
    feat = image_size // 16
    layer = dict(
        activation="relu", cross_attention=_attention(cross, feat, 64, True), d_model=256,
        dim_feedforward=2048, dropout=0.1, pos_enc_at_attn=False,
        pos_enc_at_cross_attn_keys=True, pos_enc_at_cross_attn_queries=False,
        self_attention=_attention(None, feat, None, False),
    )
    memory_encoder = config_parts.memory_encoder()
    neck = dict(type="ViTDetNeck", position_encoding=config_parts.sine(256), d_model=256,
                backbone_channel_list=[embed_dim], kernel_size=1, stride=1, padding=0,
                neck_norm="LN")
    return dict(
        image_encoder=dict(trunk=_trunk(embed_dim, heads), neck=neck, scalp=0),
        memory_attention=dict(d_model=256, pos_enc_at_input=True, layer=layer, num_layers=4,
                              batch_first=True),
        memory_encoder=memory_encoder,
        **_top_level(image_size),
    )
