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
    to S×S, ImageNet normalisation); clicks are rescaled ``x·S/W, y·S/H``. Like the official
    image predictor, the object score is not applied.
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
        # Prompt encoder + mask decoder directly, like the official image predictor: no
        # object-score gating and no S×S upsampling of every mask (forward_sam_heads does both).
        sparse, dense = self.model.sam_prompt_encoder(coords, labels, None)
        dtype = embed.dtype
        pe = self.model.sam_prompt_encoder.get_dense_pe().to(dtype)
        dec = self.model.sam_mask_decoder(embed, pe, sparse.to(dtype), dense.to(dtype),
                                          multimask_output, high or None)
        return DecodedBatch(logits=dec.masks.float().cpu(), iou_predictions=dec.iou.float().cpu())
