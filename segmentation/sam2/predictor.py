"""Image predictor: set an image once, then prompt it with clicks, a box or a mask.

Coordinates are (x, y) pixels in the original image; boxes ``[x0, y0, x1, y1]``. Works for
any image size and any model ``image_size`` (feature sizes are derived, not hard-coded).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from segmentation.errors import PromptError
from segmentation.sam2.mask_decoder import DecoderOutput
from segmentation.sam2.model import ImageFeatures, SAM2Model
from segmentation.sam2.postprocess import fill_holes_and_sprinkles
from segmentation.sam2.preprocess import image_to_model_input
from segmentation.sam2.prompts import PreparedPrompt, prepare_batch, prepare_prompt
from segmentation.upsample import GuidedParams, check_method, upsample_logits


@dataclass
class Prediction:
    """Result of one prompt (C = 3 with multimask output, else 1), numpy, CPU.

    Attributes:
        masks: C×H×W bool (logits > threshold), original image size.
        logits: C×H×W float32 unclamped full-resolution logits.
        iou: (C,) float32 predicted IoU.
        low_res_logits: C×S/4×S/4 float32, clamped to [-32, 32] (feed back as ``mask_input``).
        object_score_logit: float, > 0 when the model thinks the object is present.
    """

    masks: np.ndarray
    logits: np.ndarray
    iou: np.ndarray
    low_res_logits: np.ndarray
    object_score_logit: float


@dataclass
class BatchPrediction:
    """B prompts at once: masks/logits B×C×H×W, iou B×C, low_res_logits B×C×S/4×S/4,
    object_score_logits (B,) — all numpy float32 (masks bool)."""

    masks: np.ndarray
    logits: np.ndarray
    iou: np.ndarray
    low_res_logits: np.ndarray
    object_score_logits: np.ndarray


class ImagePredictor:
    """Wraps a :class:`SAM2Model`; the image embedding is computed once per ``set_image``.

    ``upsample`` chooses how the S/4 logits reach the image size, as ``VideoTracker``'s
    option of the same name: ``"bilinear"`` (official, the default) or ``"guided"`` (the
    image given to ``set_image`` guides the edge, :mod:`segmentation.upsample`).
    ``low_res_logits`` are the model's either way.
    """

    def __init__(self, model: SAM2Model, mask_threshold: float = 0.0,
                 max_hole_area_px: int = 0, max_sprinkle_area_px: int = 0,
                 upsample: str = "bilinear",
                 guided_params: GuidedParams | None = None) -> None:
        self.model = model
        self.mask_threshold = mask_threshold
        self.max_hole_area_px = max_hole_area_px
        self.max_sprinkle_area_px = max_sprinkle_area_px
        self.upsample = check_method(upsample)
        self.guided_params = guided_params or GuidedParams()
        self.features: ImageFeatures | None = None
        self.image_embed: Tensor | None = None
        self.original_size: tuple[int, int] | None = None
        self._image: np.ndarray | None = None

    @property
    def is_image_set(self) -> bool:
        return self.features is not None

    @torch.inference_mode()
    def set_image(self, image: np.ndarray) -> None:
        """image: H×W×3 uint8 RGB. Runs the image encoder."""
        try:
            x = image_to_model_input(image, self.model.image_size, self.model.device)
        except ValueError as exc:
            raise PromptError(f"set_image: {exc}; pass an H×W×3 uint8 RGB array") from exc
        self.features = self.model.encode_image(x)
        self.image_embed = self.model.image_embedding(self.features)
        self.original_size = (int(image.shape[0]), int(image.shape[1]))
        self._image = image  # the guide of upsample="guided" (a reference, not a copy)

    def reset_image(self) -> None:
        self.features = self.image_embed = self.original_size = self._image = None

    def _require_image(self) -> tuple[ImageFeatures, Tensor, tuple[int, int]]:
        if self.features is None or self.image_embed is None or self.original_size is None:
            raise PromptError("no image set: call set_image(image) before predict()")
        return self.features, self.image_embed, self.original_size

    @torch.inference_mode()
    def predict(self, point_coords: np.ndarray | None = None,
                point_labels: np.ndarray | None = None, box: np.ndarray | None = None,
                mask_input: np.ndarray | None = None, multimask_output: bool = True) -> Prediction:
        """Points P×2 (x, y) original pixels with labels (P,) 1/0; box (4,) xyxy;
        mask_input 1×S/4×S/4 low-res logits (e.g. a previous ``low_res_logits[i:i+1]``)."""
        _, _, size = self._require_image()
        prompt = prepare_prompt(point_coords, point_labels, box, mask_input, size,
                                self.model.image_size)
        out = self.decode(prompt, multimask_output)
        low, full = self._to_outputs(out.masks, size)
        return Prediction(
            masks=(full > self.mask_threshold)[0].numpy(), logits=full[0].numpy(),
            iou=out.iou[0].float().cpu().numpy(), low_res_logits=low[0].numpy(),
            object_score_logit=float(out.object_score[0, 0]),
        )

    @torch.inference_mode()
    def predict_batch(self, point_coords: np.ndarray, point_labels: np.ndarray,
                      multimask_output: bool = True) -> BatchPrediction:
        """B independent point prompts: coords B×P×2 (original pixels), labels B×P."""
        _, _, size = self._require_image()
        prompt = prepare_batch(point_coords, point_labels, size, self.model.image_size)
        out = self.decode(prompt, multimask_output)
        low, full = self._to_outputs(out.masks, size)
        return BatchPrediction(
            masks=(full > self.mask_threshold).numpy(), logits=full.numpy(),
            iou=out.iou.float().cpu().numpy(), low_res_logits=low.numpy(),
            object_score_logits=out.object_score[:, 0].float().cpu().numpy(),
        )

    def decode(self, prompt: PreparedPrompt, multimask_output: bool) -> DecoderOutput:
        """Prompt encoder + mask decoder on the set image (no object-score gating)."""
        features, embed, _ = self._require_image()
        model = self.model
        device, dtype = model.device, model.dtype
        coords = prompt.coords.to(device) if prompt.coords is not None else None
        labels = prompt.labels.to(device) if prompt.labels is not None else None
        mask = prompt.mask.to(device, dtype) if prompt.mask is not None else None
        sparse, dense = model.sam_prompt_encoder(coords, labels, mask, batch=prompt.batch)
        b = sparse.shape[0]
        high = [h.expand(b, -1, -1, -1) for h in features.high_res_feats]
        pe = model.sam_prompt_encoder.get_dense_pe().to(dtype)
        return model.sam_mask_decoder(embed.expand(b, -1, -1, -1), pe, sparse.to(dtype),
                                      dense.to(dtype), multimask_output, high)

    def _to_outputs(self, masks: Tensor, size: tuple[int, int]) -> tuple[Tensor, Tensor]:
        """Decoder masks B×C×h×w → (clamped low-res, full-res logits), float32 on CPU."""
        masks = masks.float()
        if self.upsample == "bilinear" or self._image is None:
            full = F.interpolate(masks, size=size, mode="bilinear", align_corners=False)
        else:
            low = masks.cpu().numpy()
            flat = upsample_logits(low.reshape(-1, *low.shape[-2:]), *size, "guided",
                                   self._image, self.guided_params)
            full = torch.from_numpy(flat.reshape(*low.shape[:2], *size))
        full = fill_holes_and_sprinkles(full, self.mask_threshold, self.max_hole_area_px,
                                        self.max_sprinkle_area_px)
        return masks.clamp(-32.0, 32.0).cpu(), full.cpu()
