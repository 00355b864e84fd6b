"""The micro EfficientTAM: hydra overrides, seeded random weights, synthetic frames.

Part of the reference generator (see README); needs the official source, never imported by
the test suite.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

#: The official YAML the micro model starts from.
BASE_CONFIG = "configs/efficienttam/efficienttam_ti.yaml"
#: Model side S (image embedding S/16 = 8x8, low-res masks S/4 = 32x32).
IMAGE_SIZE = 128
#: Synthetic video: frames, width, height (pixels).
NUM_FRAMES, WIDTH, HEIGHT = 8, 192, 108
WEIGHT_SEED = 15
FRAME_SEED = 15

_ATTN = "efficient_track_anything.modeling.sam.transformer."
#: Cross-attention class per variant.
VARIANTS = {"plain": "RoPEAttention", "pooled1": "EfficientRoPEAttention1",
            "pooled2": "EfficientRoPEAttention2"}

MICRO_OVERRIDES = [
    f"model.image_size={IMAGE_SIZE}",
    "model.image_encoder.trunk.embed_dim=32",
    "model.image_encoder.trunk.depth=6",
    "model.image_encoder.trunk.num_heads=2",
    "model.image_encoder.trunk.window_size=6",
    "model.image_encoder.trunk.window_block_indexes=[0,1,3,4]",
    "model.image_encoder.neck.d_model=32",
    "model.image_encoder.neck.backbone_channel_list=[32]",
    "model.image_encoder.neck.position_encoding.num_pos_feats=32",
    "model.memory_attention.d_model=32",
    "model.memory_attention.layer.d_model=32",
    "model.memory_attention.layer.dim_feedforward=64",
    "model.memory_attention.layer.self_attention.embedding_dim=32",
    "model.memory_attention.layer.self_attention.feat_sizes=[8,8]",
    "model.memory_attention.layer.cross_attention.embedding_dim=32",
    "model.memory_attention.layer.cross_attention.feat_sizes=[8,8]",
    "model.memory_attention.layer.cross_attention.kv_in_dim=8",
    "model.memory_encoder.out_dim=8",
    "model.memory_encoder.position_encoding.num_pos_feats=8",
    "++model.memory_encoder.in_dim=32",
    "++model.memory_encoder.mask_downsampler.embed_dim=32",
    "model.memory_encoder.fuser.layer.dim=32",
]

#: Added to the object-score head's output bias after randomisation, so that objects are
#: judged present on some frames and absent on others.
SCORE_BIAS_SHIFT = -0.212


def overrides(variant: str) -> list[str]:
    """Hydra overrides of the micro model with the cross-attention of ``variant``."""
    return [*MICRO_OVERRIDES,
            f"model.memory_attention.layer.cross_attention._target_={_ATTN}{VARIANTS[variant]}"]


def _fan_in(module: torch.nn.Module, weight: torch.Tensor) -> int:
    if isinstance(module, torch.nn.ConvTranspose2d):
        kh, kw = module.kernel_size
        sh, sw = module.stride
        return module.in_channels // module.groups * kh * kw // (sh * sw)
    if isinstance(module, torch.nn.Conv2d):
        kh, kw = module.kernel_size
        return module.in_channels // module.groups * kh * kw
    return weight.shape[1]


def _rule(model: torch.nn.Module, key: str, shape: torch.Size) -> tuple[str, float, float]:
    """(rule text, scale, offset) for one state-dict tensor: value = offset + scale * N."""
    owner, _, leaf = key.rpartition(".")
    module = model.get_submodule(owner) if owner else model
    kind = type(module).__name__
    if kind in ("Linear", "Conv2d", "ConvTranspose2d"):
        if leaf == "weight":
            fan = _fan_in(module, model.state_dict()[key])
            return f"N(0,1/fan_in={fan})", 1 / math.sqrt(fan), 0.0
        return "0.05*N", 0.05, 0.0
    if kind in ("LayerNorm", "LayerNorm2d"):
        return ("1+0.1*N", 0.1, 1.0) if leaf == "weight" else ("0.05*N", 0.05, 0.0)
    if kind == "Embedding":
        return "0.2*N", 0.2, 0.0
    if leaf == "gamma":
        return "0.5+0.1*N", 0.1, 0.5
    if leaf == "positional_encoding_gaussian_matrix":
        return "N(0,1)", 1.0, 0.0
    return "0.2*N", 0.2, 0.0  # free parameters: pos_embed, no_mem_embed, maskmem_tpos_enc...


def randomise(model: torch.nn.Module, seed: int = WEIGHT_SEED,
              score_shift: float = SCORE_BIAS_SHIFT) -> dict[str, Any]:
    """Overwrite every state-dict tensor (state-dict order, one generator); returns the record."""
    gen = torch.Generator().manual_seed(seed)
    sd = model.state_dict()
    rules: set[str] = set()
    with torch.no_grad():
        for key, tensor in sd.items():
            text, scale, offset = _rule(model, key, tensor.shape)
            rules.add(text)
            noise = torch.randn(tensor.shape, generator=gen, dtype=torch.float32)
            tensor.copy_(offset + scale * noise)
        bias = "sam_mask_decoder.pred_obj_score_head.layers.2.bias"
        sd[bias].add_(score_shift)
    return {"seed": seed,
            "generator": "one torch.Generator seeded with `seed`, tensors filled in "
                         "state_dict order with torch.randn (float32)",
            "rules": sorted(rules), "post_adjustment": {bias: f"+= {score_shift}"}}


def synthetic_frames(seed: int = FRAME_SEED) -> list[np.ndarray]:
    """NUM_FRAMES HEIGHTxWIDTHx3 uint8 RGB frames: textured background, two moving shapes."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    base = np.stack([60 + 80 * xx / WIDTH, 90 + 40 * np.sin(yy / 9.0),
                     120 + 50 * np.cos((xx + yy) / 17.0)], axis=-1)
    texture = rng.normal(0, 6, size=(HEIGHT, WIDTH, 3)).astype(np.float32)
    frames = []
    for t in range(NUM_FRAMES):
        img = base + texture
        cx, cy = 45 + 6 * t, 72 - 2 * t  # object 1: an ellipse moving right and up
        inside = ((xx - cx) / 26) ** 2 + ((yy - cy) / 18) ** 2 <= 1
        img[inside] = [210, 60 + 3 * t, 50] + 10 * np.sin(xx[inside, None] / 3)
        x0, y0 = 72 + 2 * t, 8 + 4 * t  # object 2: a striped rectangle moving down
        rect = (xx >= x0) & (xx < x0 + 34) & (yy >= y0) & (yy < y0 + 60)
        img[rect] = [40, 70, 200] + 30 * ((yy[rect, None] // 5) % 2)
        frames.append(np.clip(img, 0, 255).astype(np.uint8))
    return frames


def write_jpegs(frames: list[np.ndarray], folder: Path) -> list[np.ndarray]:
    """Save as ``00000.jpg``... (JPEG quality 95); returns the PIL-decoded RGB pixels."""
    folder.mkdir(parents=True, exist_ok=True)
    decoded = []
    for i, frame in enumerate(frames):
        buf = io.BytesIO()
        Image.fromarray(frame).save(buf, format="JPEG", quality=95)
        (folder / f"{i:05d}.jpg").write_bytes(buf.getvalue())
        decoded.append(np.array(Image.open(folder / f"{i:05d}.jpg").convert("RGB")))
    return decoded
