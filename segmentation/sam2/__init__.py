"""SAM 2 / SAM 2.1 and EfficientTAM in plain PyTorch: configs, builders, checkpoint loading,
image predictor.

Public API: ``CONFIGS`` (the 16 official names → :class:`SAM2Config`: 8 SAM 2, 8
EfficientTAM), ``build_sam2``,
``load_sam2``, ``SAM2Model``, ``ImagePredictor``. Imports are lazy so that importing the
package does not import torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from segmentation.sam2.build import build_sam2
    from segmentation.sam2.checkpoint import load_sam2
    from segmentation.sam2.config import SAM2Config
    from segmentation.sam2.model import ImageFeatures, SAM2Model, SamHeadsOutput
    from segmentation.sam2.predictor import BatchPrediction, ImagePredictor, Prediction

__all__ = [
    "CONFIGS", "CONFIG_NAMES", "BatchPrediction", "ImageFeatures", "ImagePredictor",
    "Prediction", "SAM2Config", "SAM2Model", "SamHeadsOutput", "build_sam2", "load_sam2",
]

_LAZY = {
    "build_sam2": "segmentation.sam2.build",
    "load_sam2": "segmentation.sam2.checkpoint",
    "SAM2Config": "segmentation.sam2.config",
    "SAM2Model": "segmentation.sam2.model",
    "ImageFeatures": "segmentation.sam2.model",
    "SamHeadsOutput": "segmentation.sam2.model",
    "ImagePredictor": "segmentation.sam2.predictor",
    "Prediction": "segmentation.sam2.predictor",
    "BatchPrediction": "segmentation.sam2.predictor",
}


def _configs() -> dict[str, Any]:
    from segmentation.sam2.config import resolve_config
    from segmentation.sam2.configs import CONFIG_NAMES

    return {name: resolve_config(name) for name in CONFIG_NAMES}


def __getattr__(name: str) -> Any:
    import importlib

    if name == "CONFIGS":
        return _configs()
    if name == "CONFIG_NAMES":
        from segmentation.sam2.configs import CONFIG_NAMES

        return CONFIG_NAMES
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'segmentation.sam2' has no attribute {name!r}")
