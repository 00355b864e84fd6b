"""What the proposal engine needs from a promptable segmenter, and adapters to our SAM 2.

The engine sets one image, then decodes batches of single positive clicks. Anything with
``set_image`` and ``decode_points`` (see :class:`PointPromptDecoder`) works, e.g. a test stub;
:func:`as_point_decoder` wraps our SAM 2 image predictor (or a bare SAM 2 model) into one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch


@dataclass(frozen=True)
class DecodedBatch:
    """Decoder output for B single-click prompts.

    Attributes:
        logits: B×M×h×w float32 mask logits (> 0 inside) covering the whole image, on CPU;
            h×w may differ from the image size (the image is stretched onto it).
        iou_predictions: B×M float32, the decoder's IoU estimate of each mask, 0..1.
    """

    logits: torch.Tensor
    iou_predictions: torch.Tensor


@runtime_checkable
class PointPromptDecoder(Protocol):
    """One image embedding, many batched single-click decodes."""

    def set_image(self, image: np.ndarray) -> None:
        """Embed an H×W×3 uint8 RGB image once."""

    def decode_points(self, points_xy: np.ndarray, multimask_output: bool) -> DecodedBatch:
        """Decode B positive clicks, ``points_xy`` B×2 float32 (x, y) original-image pixels."""


class _PredictBatchAdapter:
    """Wraps an image predictor that has ``set_image`` and ``predict_batch`` (segmentation.sam2)."""

    def __init__(self, predictor: Any) -> None:
        self._predictor = predictor

    def set_image(self, image: np.ndarray) -> None:
        self._predictor.set_image(image)

    def decode_points(self, points_xy: np.ndarray, multimask_output: bool) -> DecodedBatch:
        coords = np.asarray(points_xy, dtype=np.float32)[:, None, :]
        labels = np.ones(coords.shape[:2], dtype=np.int32)
        out = self._predictor.predict_batch(coords, labels, multimask_output=multimask_output)
        return DecodedBatch(*_low_res_and_iou(out))


def _low_res_and_iou(out: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Pick (low-res logits B×M×h×w, IoU B×M) out of a ``predict_batch`` result."""
    if isinstance(out, tuple):
        _masks, iou, low_res = out
    else:
        iou, low_res = out.iou_predictions, out.low_res_logits
    low_res = torch.as_tensor(low_res).detach().to("cpu", torch.float32)
    iou = torch.as_tensor(iou).detach().to("cpu", torch.float32)
    return low_res, iou


def as_point_decoder(predictor_or_model: Any) -> PointPromptDecoder:
    """Return a :class:`PointPromptDecoder` for a decoder, an image predictor or a SAM 2 model.

    Raises:
        TypeError: the object is none of these.
    """
    if isinstance(predictor_or_model, PointPromptDecoder):
        return predictor_or_model
    if hasattr(predictor_or_model, "predict_batch") and hasattr(predictor_or_model, "set_image"):
        return _PredictBatchAdapter(predictor_or_model)
    if isinstance(predictor_or_model, torch.nn.Module):
        from segmentation.proposals.sam2_decoder import Sam2PointDecoder

        return Sam2PointDecoder(predictor_or_model)
    raise TypeError(
        "propose_objects needs a SAM 2 model, an image predictor with predict_batch, "
        f"or a PointPromptDecoder; got {type(predictor_or_model).__name__}"
    )
