"""The tracker's view of a SAM 2 model: image features, SAM heads and the memory tensors.

Everything the tracker needs from ``segmentation.sam2`` goes through :class:`ModelPort`, so
the per-frame logic never depends on the model's internal layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from segmentation.sam2.memory_attention import MemoryProjections
from segmentation.tracker.settings import ModelSettings

#: Most bytes the kept memory projections may hold (per tracker). Per memory frame they
#: take 2 × layers × tokens × 256 values: 4 MB for the 512-pixel EfficientTAM models in
#: bfloat16 (8 objects × 7 memories fit), 16.8 MB for 1024-pixel models (1-3 objects fit).
PROJECTIONS_BUDGET_BYTES = 512 * 2**20

if TYPE_CHECKING:
    from segmentation.sam2.model import ImageFeatures, SAM2Model, SamHeadsOutput


@dataclass(frozen=True)
class FrameFeatures:
    """Image features of one frame (batch 1), in the model's dtype.

    Attributes:
        top: (1, C, H, W) top-level features (stride 16), without ``no_mem_embed``.
        top_pos: (1, C, H, W) their sine position encoding.
        high_res: ((1, C/8, 4H, 4W), (1, C/4, 2H, 2W)) decoder skip features (after the
            decoder's 1×1 projections), or () when the config does not use them.
    """

    top: Tensor
    top_pos: Tensor
    high_res: tuple[Tensor, ...]

    @property
    def nbytes(self) -> int:
        tensors = (self.top, self.top_pos, *self.high_res)
        return sum(t.numel() * t.element_size() for t in tensors)


@dataclass(frozen=True)
class HeadsOutput:
    """SAM heads output for B objects (official ``_forward_sam_heads`` semantics).

    Attributes:
        low_res: (B, 1, S/4, S/4) float32 logits of the selected mask; −1024 where absent.
        high_res: (B, 1, S, S) bilinear upsampling of ``low_res``.
        obj_ptr: (B, C) object pointers (``no_obj_ptr`` mixed in when absent).
        object_score: (B, 1) object-presence logits.
    """

    low_res: Tensor
    high_res: Tensor
    obj_ptr: Tensor
    object_score: Tensor


class ModelPort:
    """Adapter over :class:`~segmentation.sam2.model.SAM2Model`: its outputs as tracker types."""

    def __init__(self, model: SAM2Model) -> None:
        self.model = model
        self.settings = ModelSettings.from_hyperparameters(model.config.hyperparameters)
        self.memory_attention = model.memory_attention
        self.memory_encoder = model.memory_encoder
        self.maskmem_tpos_enc: Tensor = model.maskmem_tpos_enc
        self.no_mem_embed: Tensor = model.no_mem_embed
        self.no_obj_embed_spatial: Tensor | None = model.no_obj_embed_spatial
        self.obj_ptr_tpos_proj = model.obj_ptr_tpos_proj
        self._projections = MemoryProjections()

    def projections_for(self, num_memory_frames: int, tokens_per_frame: int
                        ) -> MemoryProjections | None:
        """The memory attention's kept key/value projections for a step that reads
        ``num_memory_frames`` spatial memories of ``tokens_per_frame`` tokens (all objects),
        or None when keeping them
        would exceed :data:`PROJECTIONS_BUDGET_BYTES` (then they are recomputed every step,
        as the official tracker does). Entries the previous step did not read are dropped.
        """
        per_frame = (2 * len(self.memory_attention.layers) * tokens_per_frame
                     * self.settings.hidden_dim * self.no_mem_embed.element_size())
        if num_memory_frames * per_frame > PROJECTIONS_BUDGET_BYTES:
            self._projections = MemoryProjections()
            return None
        self._projections.keep_used()
        return self._projections

    @property
    def device(self) -> torch.device:
        return self.no_mem_embed.device

    @property
    def dtype(self) -> torch.dtype:
        return self.no_mem_embed.dtype

    def encode(self, image: Tensor) -> FrameFeatures:
        """(1, 3, S, S) float32 normalised input → :class:`FrameFeatures`."""
        image = image.to(self.device, self.dtype)
        out: ImageFeatures = self.model.encode_image(image)
        return FrameFeatures(top=out.vision_features, top_pos=out.vision_pos_enc[-1],
                             high_res=tuple(out.high_res_feats))

    def heads(
        self, image_embed: Tensor, features: FrameFeatures, point_coords: Tensor | None,
        point_labels: Tensor | None, mask_inputs: Tensor | None, multimask_output: bool,
    ) -> HeadsOutput:
        """Run prompt encoder + mask decoder for B objects on one frame.

        ``image_embed`` (B, C, H, W); points (B, P, 2) in model-input pixels with labels
        (B, P) int32 (box corners 2/3 first); ``mask_inputs`` (B, 1, S/4, S/4) logits.
        """
        batch = image_embed.shape[0]
        high = [h.expand(batch, -1, -1, -1) for h in features.high_res]
        out: SamHeadsOutput = self.model.forward_sam_heads(
            image_embed, high, point_coords, point_labels, mask_inputs, multimask_output
        )
        return HeadsOutput(low_res=out.low_res_masks.float(), high_res=out.high_res_masks.float(),
                           obj_ptr=out.obj_ptr, object_score=out.object_score_logits.float())

    def mask_as_output(self, features: FrameFeatures, mask: Tensor) -> HeadsOutput:
        """A (B, 1, S, S) {0, 1} mask becomes the output: the model's ``use_mask_as_output``
        (official ``_use_mask_as_output``) on this frame's raw features, for B objects."""
        mask = mask.to(self.device, torch.float32)
        batch = mask.shape[0]
        embed = features.top.expand(batch, -1, -1, -1)
        high = [h.expand(batch, -1, -1, -1) for h in features.high_res]
        out: SamHeadsOutput = self.model.use_mask_as_output(embed, high, mask)
        return HeadsOutput(low_res=out.low_res_masks, high_res=out.high_res_masks,
                           obj_ptr=out.obj_ptr, object_score=out.object_score_logits)
