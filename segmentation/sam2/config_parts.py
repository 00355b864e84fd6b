"""Hyper-parameter blocks every official config shares (SAM 2, SAM 2.1 and EfficientTAM), as
plain data in the manifest schema: one definition, used by both config modules."""

from __future__ import annotations

from typing import Any


def sine(num_pos_feats: int) -> dict[str, Any]:
    """A sine position encoding (normalised, temperature 10,000)."""
    return dict(num_pos_feats=num_pos_feats, temperature=10000, normalize=True, scale=None)


def memory_encoder() -> dict[str, Any]:
    """The memory encoder: mask downsampler (stride 16), two ConvNeXt fuser blocks, 64-d out."""
    return dict(
        out_dim=64,
        mask_downsampler=dict(embed_dim=256, kernel_size=3, stride=2, padding=1,
                              total_stride=16, activation="gelu"),
        fuser=dict(layer=dict(dim=256, kernel_size=7, padding=3, drop_path=0.0,
                              layer_scale_init_value=1e-06, use_dwconv=True),
                   num_layers=2, dim=None, input_projection=False),
        position_encoding=sine(64), in_dim=256,
    )
