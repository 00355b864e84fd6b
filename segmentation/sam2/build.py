"""Build SAM 2 models from a config (name, JSON path, dict or :class:`SAM2Config`)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import torch

from segmentation.sam2.config import SAM2Config, resolve_config
from segmentation.sam2.model import SAM2Model

ConfigLike = str | Path | dict[str, Any] | SAM2Config


def build_sam2(config: ConfigLike, device: str | torch.device = "cpu",
               dtype: torch.dtype = torch.float32) -> SAM2Model:
    """A SAM 2 model with freshly initialised (random) weights, in eval mode.

    ``device="meta"`` builds the structure without allocating memory (shape checks).
    """
    cfg = resolve_config(config)
    with torch.device(device):
        model = SAM2Model(cfg)
    if str(device) != "meta":
        _init_free_parameters(model)
    return model.to(dtype=dtype).eval()


def _init_free_parameters(model: SAM2Model) -> None:
    """Small random values for the free embeddings (the official init uses trunc-normal)."""
    with torch.no_grad():
        for name in ("maskmem_tpos_enc", "no_mem_embed", "no_mem_pos_enc", "no_obj_ptr",
                     "no_obj_embed_spatial"):
            param = getattr(model, name)
            if param is not None:
                torch.nn.init.trunc_normal_(param, std=0.02)
        for name in ("pos_embed", "pos_embed_window"):  # ViT trunks have no window table
            param = getattr(model.image_encoder.trunk, name, None)
            if param is not None:
                torch.nn.init.trunc_normal_(param, std=0.02)


@functools.lru_cache(maxsize=16)
def official_shapes(name: str) -> dict[str, tuple[int, ...]]:
    """State-dict key → shape of the official config ``name`` (built on the meta device)."""
    model = build_sam2(name, device="meta")
    return {key: tuple(t.shape) for key, t in model.state_dict().items()}


def config_shapes(config: SAM2Config) -> dict[str, tuple[int, ...]]:
    """State-dict key → shape for any config."""
    model = build_sam2(config, device="meta")
    return {key: tuple(t.shape) for key, t in model.state_dict().items()}
