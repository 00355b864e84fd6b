"""A tiny random-weight EfficientTAM for tests: the real model code (ViT trunk, ViTDet neck,
pooled memory attention) at 192 pixels with narrow widths; fast on a CPU, no download, no
reference data. 192 is neither 1024 nor 512 on purpose: a 12×12 image embedding, 48×48 low-res
masks, windows of 14 padded over a 12×12 grid."""

from __future__ import annotations

from typing import Any

IMAGE_SIZE = 192


def micro_efficienttam_hyperparameters(name: str = "efficienttam_ti_1") -> dict[str, Any]:
    """``name``'s hyper-parameters with every width shrunk and a 192-pixel input."""
    from segmentation.sam2.configs import official_hyperparameters

    hp = official_hyperparameters(name)
    hp["image_size"] = IMAGE_SIZE
    hp["image_encoder"]["trunk"].update(embed_dim=32, num_heads=2, depth=4,
                                         window_block_indexes=[0, 2])
    neck = hp["image_encoder"]["neck"]
    neck.update(d_model=32, backbone_channel_list=[32])
    neck["position_encoding"]["num_pos_feats"] = 32
    attn = hp["memory_attention"]
    attn.update(d_model=32, num_layers=2)
    attn["layer"].update(d_model=32, dim_feedforward=64)
    side = IMAGE_SIZE // 16
    for part in ("self_attention", "cross_attention"):
        attn["layer"][part].update(embedding_dim=32, feat_sizes=[side, side])
    attn["layer"]["cross_attention"]["kv_in_dim"] = 8
    mem = hp["memory_encoder"]
    mem.update(out_dim=8, in_dim=32)
    mem["position_encoding"]["num_pos_feats"] = 8
    mem["mask_downsampler"]["embed_dim"] = 32
    mem["fuser"]["layer"]["dim"] = 32
    return hp


def micro_efficienttam(seed: int = 0, name: str = "efficienttam_ti_1") -> Any:
    """The random-weight tiny model (float32, CPU, eval mode)."""
    import torch

    from segmentation.sam2 import build_sam2

    torch.manual_seed(seed)
    return build_sam2({"config": f"micro-random-{name}",
                       "hyperparameters": micro_efficienttam_hyperparameters(name)})
