"""A micro-sized SAM 2.1 for tests: the real model code at 256 px with narrow widths (random
weights, fast on a CPU, no download). Built from our own tiny config, the same recipe as the
reference data's micro model."""

from __future__ import annotations


def micro_hyperparameters() -> dict:
    """sam2.1_hiera_t's hyper-parameters with every width shrunk."""
    from segmentation.sam2.configs import official_hyperparameters

    hp = official_hyperparameters("sam2.1_hiera_t")
    hp["image_size"] = 256
    hp["image_encoder"]["trunk"].update(embed_dim=16, num_heads=1)
    neck = hp["image_encoder"]["neck"]
    neck.update(d_model=32, backbone_channel_list=[128, 64, 32, 16])
    neck["position_encoding"]["num_pos_feats"] = 32
    attn = hp["memory_attention"]
    attn["d_model"] = 32
    attn["layer"].update(d_model=32, dim_feedforward=64)
    for part in ("self_attention", "cross_attention"):
        attn["layer"][part].update(embedding_dim=32, feat_sizes=[16, 16])
    attn["layer"]["cross_attention"]["kv_in_dim"] = 8
    mem = hp["memory_encoder"]
    mem.update(out_dim=8, in_dim=32)
    mem["position_encoding"]["num_pos_feats"] = 8
    mem["mask_downsampler"]["embed_dim"] = 32
    mem["fuser"]["layer"]["dim"] = 32
    return hp


def micro_sam2(seed: int = 0):
    """The random-weight micro model (float32, CPU, eval mode)."""
    import torch

    from segmentation.sam2 import build_sam2

    torch.manual_seed(seed)
    return build_sam2({"config": "micro-random", "hyperparameters": micro_hyperparameters()})
