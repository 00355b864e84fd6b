"""Batched single-click decoding on one image embedding, over our SAM 2 model's public methods
(``encode_image``, ``image_embedding``, ``forward_sam_heads``); no image predictor needed."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from segmentation.proposals.decoder import DecodedBatch


class Sam2PointDecoder:
    """:class:`~segmentation.proposals.PointPromptDecoder` over a ``SAM2Model``.

    The image is preprocessed like the official image predictor (bilinear antialiased resize
    to S×S, ImageNet normalisation); clicks are rescaled ``x·S/W, y·S/H``. Outputs absent by
    the model's object score come back as −1024 logits (empty masks, later filtered).
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self._embed: torch.Tensor | None = None
        self._high_res: list[torch.Tensor] = []
        self._size_hw: tuple[int, int] | None = None

    def set_image(self, image: np.ndarray) -> None:
        """Embed an H×W×3 uint8 RGB image (once per image)."""
        from segmentation.sam2.preprocess import image_to_model_input

        x = image_to_model_input(image, self.model.image_size, self.model.device)
        features = self.model.encode_image(x)
        self._embed = self.model.image_embedding(features)
        self._high_res = list(features.high_res_feats)
        self._size_hw = image.shape[:2]

    def decode_points(self, points_xy: np.ndarray, multimask_output: bool) -> DecodedBatch:
        """B×2 (x, y) original pixels → low-res logits B×M×S/4×S/4 float32, IoU B×M."""
        if self._embed is None or self._size_hw is None:
            raise RuntimeError("An image must be set with .set_image(...) before decoding.")
        h, w = self._size_hw
        s = float(self.model.image_size)
        device = self._embed.device
        pts = torch.as_tensor(np.asarray(points_xy, np.float32), device=device)
        coords = (pts * torch.tensor([s / w, s / h], device=device))[:, None, :]
        labels = torch.ones(coords.shape[:2], dtype=torch.int32, device=device)
        b = coords.shape[0]
        embed = self._embed.expand(b, -1, -1, -1)
        high = [f.expand(b, -1, -1, -1) for f in self._high_res]
        out = self.model.forward_sam_heads(embed, high or None, coords, labels, None,
                                           multimask_output)
        return DecodedBatch(logits=out.low_res_multimasks.float().cpu(),
                            iou_predictions=out.ious.float().cpu())
