"""The SAM 2 model: image encoder, SAM heads, memory modules and the top-level tensors.

Interface used by the image predictor and the video tracker (``segmentation/tracker``):

* ``encode_image(images)`` — B×3×S×S normalised float → :class:`ImageFeatures` (FPN levels
  after scalp, their sine position encodings, decoder skip features after ``conv_s0`` /
  ``conv_s1``, the stride-16 embedding *without* ``no_mem_embed``, trunk outputs).
* ``forward_sam_heads(image_embed, high_res_feats, point_coords, point_labels, mask_inputs,
  multimask_output)`` → :class:`SamHeadsOutput`, the official ``_forward_sam_heads``: points
  in model-input pixels (labels 1/0, box corners 2/3 first), padding point appended,
  multimask selection by best IoU, stability fallback, absent objects' masks set to −1024,
  object pointer mixed with ``no_obj_ptr``.
* ``use_mask_as_output(image_embed, high_res_feats, mask)`` — official ``_use_mask_as_output``.
* ``config`` (:class:`SAM2Config`, ``config.hyperparameters`` in manifest schema) and the
  top-level tensors with their state-dict names: ``maskmem_tpos_enc`` (M×1×1×mem_dim),
  ``no_mem_embed`` / ``no_mem_pos_enc`` (1×1×C), ``no_obj_ptr`` (1×C), ``no_obj_embed_spatial``
  (1×mem_dim, 2.1 only, else None), ``obj_ptr_proj``, ``obj_ptr_tpos_proj`` (Identity on 2.0),
  ``mask_downsample``; ``memory_attention`` and ``memory_encoder`` modules.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from segmentation.sam2.common import MLP
from segmentation.sam2.config import SAM2Config
from segmentation.sam2.hiera import Hiera
from segmentation.sam2.mask_decoder import MaskDecoder
from segmentation.sam2.memory_attention import build_memory_attention
from segmentation.sam2.memory_encoder import build_memory_encoder
from segmentation.sam2.neck import ImageEncoder, build_neck
from segmentation.sam2.prompt_encoder import PromptEncoder
from segmentation.sam2.vit import ViT

#: Logit given to every pixel of an absent object (official ``NO_OBJ_SCORE``).
NO_OBJ_SCORE = -1024.0


@dataclass
class ImageFeatures:
    """Encoder outputs for B images of side S (model dtype).

    Attributes:
        fpn: neck levels kept after scalp, stride 4 first: B×C×S/4×S/4, B×C×S/8, B×C×S/16
            (SAM 2); only the stride-16 level B×C×S/16×S/16 (EfficientTAM's ViTDet neck).
        fpn_pos: their sine position encodings, same shapes.
        high_res_feats: [B×C/8×S/4×S/4, B×C/4×S/8×S/8] after ``conv_s0``/``conv_s1``
            (empty when the config does not use high-res features).
        vision_features: B×C×S/16×S/16 = ``fpn[-1]`` (no ``no_mem_embed`` added).
        vision_pos_enc: same list as ``fpn_pos``.
        trunk: trunk outputs, for debugging (Hiera: strides 4, 8, 16, 32; ViT: stride 16).
    """

    fpn: list[Tensor]
    fpn_pos: list[Tensor]
    high_res_feats: list[Tensor]
    vision_features: Tensor
    vision_pos_enc: list[Tensor]
    trunk: list[Tensor]


@dataclass
class SamHeadsOutput:
    """SAM heads output for B prompts (logits float32, −1024 where the object is absent).

    Attributes:
        low_res_multimasks: B×M×S/4×S/4 (M = 3 multimask, else 1).
        high_res_multimasks: B×M×S×S bilinear upsampling.
        ious: B×M predicted IoU.
        low_res_masks / high_res_masks: B×1×… the selected (best-IoU) mask.
        obj_ptr: B×C object pointer.
        object_score_logits: B×1 (> 0 = present).
    """

    low_res_multimasks: Tensor
    high_res_multimasks: Tensor
    ious: Tensor
    low_res_masks: Tensor
    high_res_masks: Tensor
    obj_ptr: Tensor
    object_score_logits: Tensor


def _trunk(hp: dict) -> nn.Module:
    """The trunk named by ``hp["type"]``: Hiera (SAM 2, no type in its manifests) or ViT."""
    kind = hp.get("type", "Hiera")
    if kind == "ViT":
        return ViT(hp)
    if kind == "Hiera":
        return Hiera(hp)
    raise ValueError(f"unknown trunk type {kind!r}")


def _decoder(config: SAM2Config) -> MaskDecoder:
    opts = config.decoder_options
    return MaskDecoder(
        config.hidden_dim, config.flag("use_high_res_features_in_sam"),
        config.flag("iou_prediction_use_sigmoid"), config.flag("pred_obj_scores"),
        config.flag("pred_obj_scores_mlp"), config.flag("use_multimask_token_for_obj_ptr"),
        opts["dynamic_multimask_stability_delta"], opts["dynamic_multimask_stability_thresh"],
        opts["dynamic_multimask_via_stability"],
    )


class SAM2Model(nn.Module):
    """Built from a :class:`SAM2Config`; parameters follow the official state-dict layout."""

    def __init__(self, config: SAM2Config) -> None:
        super().__init__()
        self.config = config
        hp = config.hyperparameters
        c, m = config.hidden_dim, config.mem_dim
        self.maskmem_tpos_enc = nn.Parameter(torch.zeros(hp["num_maskmem"], 1, 1, m))
        self.no_mem_embed = nn.Parameter(torch.zeros(1, 1, c))
        self.no_mem_pos_enc = nn.Parameter(torch.zeros(1, 1, c))
        self.no_obj_ptr: nn.Parameter | None = None
        if hp["pred_obj_scores"] and hp["use_obj_ptrs_in_encoder"]:
            self.no_obj_ptr = nn.Parameter(torch.zeros(1, c))
        self.no_obj_embed_spatial: nn.Parameter | None = None
        if hp["no_obj_embed_spatial"]:
            self.no_obj_embed_spatial = nn.Parameter(torch.zeros(1, m))
        enc = hp["image_encoder"]
        self.image_encoder = ImageEncoder(_trunk(enc["trunk"]), build_neck(enc["neck"]),
                                          enc["scalp"])
        if hp["use_obj_ptrs_in_encoder"]:
            self.mask_downsample = nn.Conv2d(1, 1, kernel_size=4, stride=4)
        self.memory_attention = build_memory_attention(hp["memory_attention"])
        self.memory_encoder = build_memory_encoder(hp["memory_encoder"])
        e, s = config.embedding_size, config.image_size
        self.sam_prompt_encoder = PromptEncoder(c, (e, e), (s, s), 16)
        self.sam_mask_decoder = _decoder(config)
        self.obj_ptr_proj: nn.Module = nn.Identity()
        if hp["use_obj_ptrs_in_encoder"]:
            self.obj_ptr_proj = MLP(c, c, c, 3) if hp["use_mlp_for_obj_ptr_proj"] else nn.Linear(c, c)
        self.obj_ptr_tpos_proj: nn.Module = nn.Identity()
        if hp["proj_tpos_enc_in_obj_ptrs"]:
            self.obj_ptr_tpos_proj = nn.Linear(c, m)

    @property
    def image_size(self) -> int:
        return self.config.image_size

    @property
    def dtype(self) -> torch.dtype:
        return self.no_mem_embed.dtype

    @property
    def device(self) -> torch.device:
        return self.no_mem_embed.device

    def encode_image(self, images: Tensor) -> ImageFeatures:
        """images: B×3×S×S normalised float (any dtype; cast to the model's)."""
        fpn, pos, trunk = self.image_encoder(images.to(self.dtype))
        high: list[Tensor] = []
        if self.config.flag("use_high_res_features_in_sam"):
            high = [self.sam_mask_decoder.conv_s0(fpn[0]), self.sam_mask_decoder.conv_s1(fpn[1])]
        return ImageFeatures(fpn=fpn, fpn_pos=pos, high_res_feats=high,
                             vision_features=fpn[-1], vision_pos_enc=pos, trunk=trunk)

    def image_embedding(self, features: ImageFeatures) -> Tensor:
        """B×C×h×w embedding the decoder sees on an unconditioned frame (+ ``no_mem_embed``)."""
        top = features.vision_features
        if self.config.flag("directly_add_no_mem_embed"):
            top = top + self.no_mem_embed.reshape(1, -1, 1, 1)
        return top

    def _mask_prompt(self, mask_inputs: Tensor | None) -> Tensor | None:
        if mask_inputs is None:
            return None
        size = self.sam_prompt_encoder.mask_input_size
        if tuple(mask_inputs.shape[-2:]) != size:
            mask_inputs = F.interpolate(mask_inputs.float(), size=size, mode="bilinear",
                                        align_corners=False, antialias=True)
        return mask_inputs

    def forward_sam_heads(
        self, image_embed: Tensor, high_res_feats: list[Tensor] | None = None,
        point_coords: Tensor | None = None, point_labels: Tensor | None = None,
        mask_inputs: Tensor | None = None, multimask_output: bool = False,
    ) -> SamHeadsOutput:
        """image_embed B×C×h×w; high_res_feats as in :class:`ImageFeatures` (batch B);
        point_coords B×P×2 float (x, y) in model-input pixels; point_labels B×P int;
        mask_inputs B×1×H×W logits (resized to S/4 if needed)."""
        b = image_embed.shape[0]
        if point_coords is None or point_labels is None:
            point_coords = image_embed.new_zeros(b, 1, 2, dtype=torch.float32)
            point_labels = -torch.ones(b, 1, dtype=torch.int32, device=image_embed.device)
        sparse, dense = self.sam_prompt_encoder(point_coords, point_labels,
                                                self._mask_prompt(mask_inputs))
        dec = self.sam_mask_decoder(image_embed, self.sam_prompt_encoder.get_dense_pe().to(image_embed.dtype),
                                    sparse.to(image_embed.dtype), dense.to(image_embed.dtype),
                                    multimask_output, high_res_feats)
        return self._select_and_gate(dec.masks, dec.iou, dec.tokens, dec.object_score,
                                     multimask_output)

    def _select_and_gate(self, masks: Tensor, ious: Tensor, tokens: Tensor, score: Tensor,
                         multimask_output: bool) -> SamHeadsOutput:
        present = score > 0
        if self.config.flag("pred_obj_scores"):
            masks = torch.where(present[:, :, None, None], masks, masks.new_tensor(NO_OBJ_SCORE))
        low = masks.float()
        s = self.image_size
        high = F.interpolate(low, size=(s, s), mode="bilinear", align_corners=False)
        token = tokens[:, 0]
        low_sel, high_sel = low, high
        if multimask_output:
            batch = torch.arange(low.shape[0], device=low.device)
            best = torch.argmax(ious, dim=-1)
            low_sel, high_sel = low[batch, best].unsqueeze(1), high[batch, best].unsqueeze(1)
            if tokens.shape[1] > 1:
                token = tokens[batch, best]
        ptr = self.obj_ptr_proj(token)
        ptr = self._mix_no_obj_ptr(ptr, score)
        return SamHeadsOutput(low, high, ious, low_sel, high_sel, ptr, score)

    def _mix_no_obj_ptr(self, ptr: Tensor, score: Tensor) -> Tensor:
        """Blend the pointer with ``no_obj_ptr`` by presence (hard or sigmoid-soft)."""
        if not self.config.flag("pred_obj_scores") or self.no_obj_ptr is None:
            return ptr
        if self.config.flag("soft_no_obj_ptr"):
            weight = score.sigmoid().to(ptr.dtype)
        else:
            weight = (score > 0).to(ptr.dtype)
        if self.config.flag("fixed_no_obj_ptr"):
            ptr = weight * ptr
        return ptr + (1 - weight) * self.no_obj_ptr

    def use_mask_as_output(self, image_embed: Tensor, high_res_feats: list[Tensor] | None,
                           mask: Tensor) -> SamHeadsOutput:
        """Official ``_use_mask_as_output``: mask B×1×S×S in {0, 1} becomes the output
        (logits mask·20 − 10; pointer from the decoder fed the downsampled mask)."""
        mask = mask.float()
        high = mask * 20.0 - 10.0
        s4 = (high.shape[-2] // 4, high.shape[-1] // 4)
        low = F.interpolate(high, size=s4, mode="bilinear", align_corners=False, antialias=True)
        ious = mask.new_ones(mask.shape[0], 1)
        present = (mask.flatten(1) > 0).any(dim=1, keepdim=True).float()
        score = present * 20.0 - 10.0
        if self.config.flag("use_obj_ptrs_in_encoder"):
            prompt = self.mask_downsample(mask.to(self.dtype))
            ptr = self.forward_sam_heads(image_embed, high_res_feats, mask_inputs=prompt).obj_ptr
            ptr = self._mix_no_obj_ptr(ptr, score)
        else:
            ptr = mask.new_zeros(mask.shape[0], self.config.hidden_dim)
        return SamHeadsOutput(low, high, ious, low, high, ptr, score)
