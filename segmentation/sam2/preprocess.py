"""Image-predictor preprocessing: H×W×3 uint8 RGB → 1×3×S×S normalised float32.

Matches the official ``SAM2ImagePredictor``: /255 in float32, bilinear resize to S×S
(half-pixel centres, antialiased when shrinking, aspect ratio not kept), then per-channel
ImageNet mean/std. (The video loader's PIL-bicubic path lives in ``segmentation.tracker``.)
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

#: ImageNet statistics used by SAM 2 (RGB, [0, 1] scale).
PIXEL_MEAN = (0.485, 0.456, 0.406)
PIXEL_STD = (0.229, 0.224, 0.225)


def check_image(image: np.ndarray) -> np.ndarray:
    """Validate an H×W×3 uint8 RGB array (raises ValueError otherwise)."""
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3:
        shape = getattr(image, "shape", None)
        raise ValueError(f"expected an H×W×3 RGB image array, got shape {shape}")
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {image.dtype}")
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError("the image is empty")
    return image


def image_to_model_input(image: np.ndarray, image_size: int,
                         device: str | torch.device = "cpu") -> Tensor:
    """H×W×3 uint8 RGB → 1×3×S×S float32, normalised (range about [-2.12, 2.64])."""
    image = check_image(image)
    x = torch.from_numpy(np.ascontiguousarray(image)).to(device)
    x = x.permute(2, 0, 1).unsqueeze(0).float() / 255.0
    x = F.interpolate(x, size=(image_size, image_size), mode="bilinear",
                      align_corners=False, antialias=True)
    mean = torch.tensor(PIXEL_MEAN, device=x.device).reshape(1, 3, 1, 1)
    std = torch.tensor(PIXEL_STD, device=x.device).reshape(1, 3, 1, 1)
    return (x - mean) / std
