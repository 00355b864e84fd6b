"""SAM 2 mask decoder: output tokens + prompt tokens through the two-way transformer.

Produces 4 mask logits per prompt (token 0 = single mask, 1..3 = multimask) at 4× the
image-embedding size, their predicted IoU, the object-score logit and the SAM output tokens
(used for the object pointer).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from segmentation.sam2.common import MLP, LayerNorm2d
from segmentation.sam2.two_way_transformer import TwoWayTransformer


@dataclass
class DecoderOutput:
    """masks B×C×4h×4w logits; iou B×C; tokens B×T×D; object_score B×1; all_iou B×4."""

    masks: Tensor
    iou: Tensor
    tokens: Tensor
    object_score: Tensor
    all_iou: Tensor


def stability_scores(logits: Tensor, delta: float) -> Tensor:
    """(…, H, W) logits → (…) area(> delta) / area(> -delta), 1 where the latter is 0."""
    flat = logits.flatten(-2)
    inter = (flat > delta).sum(-1).float()
    union = (flat > -delta).sum(-1).float()
    return torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(inter))


class MaskDecoder(nn.Module):
    """Keys match the official ``sam_mask_decoder``."""

    def __init__(self, dim: int, use_high_res: bool, iou_sigmoid: bool, pred_obj_scores: bool,
                 pred_obj_scores_mlp: bool, multimask_token_for_ptr: bool,
                 stability_delta: float = 0.05, stability_thresh: float = 0.98,
                 dynamic_multimask: bool = True) -> None:
        super().__init__()
        self.transformer = TwoWayTransformer(2, dim, 8, 2048, 2)
        self.num_mask_tokens = 4
        self.iou_token = nn.Embedding(1, dim)
        self.mask_tokens = nn.Embedding(4, dim)
        self.pred_obj_scores = pred_obj_scores
        if pred_obj_scores:
            self.obj_score_token = nn.Embedding(1, dim)
        self.output_upscaling = nn.Sequential(
            nn.ConvTranspose2d(dim, dim // 4, kernel_size=2, stride=2), LayerNorm2d(dim // 4),
            nn.GELU(), nn.ConvTranspose2d(dim // 4, dim // 8, kernel_size=2, stride=2),
            nn.GELU(),
        )
        self.use_high_res = use_high_res
        if use_high_res:
            self.conv_s0 = nn.Conv2d(dim, dim // 8, kernel_size=1)
            self.conv_s1 = nn.Conv2d(dim, dim // 4, kernel_size=1)
        self.output_hypernetworks_mlps = nn.ModuleList(MLP(dim, dim, dim // 8, 3) for _ in range(4))
        self.iou_prediction_head = MLP(dim, 256, 4, 3, sigmoid_output=iou_sigmoid)
        if pred_obj_scores:
            self.pred_obj_score_head = MLP(dim, dim, 1, 3) if pred_obj_scores_mlp else nn.Linear(dim, 1)
        self.multimask_token_for_ptr = multimask_token_for_ptr
        self.dynamic_multimask = dynamic_multimask
        self.stability_delta = stability_delta
        self.stability_thresh = stability_thresh

    def _upscale(self, src: Tensor, high_res: list[Tensor] | None) -> Tensor:
        if not self.use_high_res or not high_res:
            return self.output_upscaling(src)
        dc1, ln1, act1, dc2, act2 = self.output_upscaling
        x = act1(ln1(dc1(src) + high_res[1]))
        return act2(dc2(x) + high_res[0])

    def predict_all(self, image: Tensor, image_pe: Tensor, sparse: Tensor, dense: Tensor,
                    high_res: list[Tensor] | None) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """All 4 masks B×4×4h×4w, IoU B×4, mask tokens B×4×D, object score B×1."""
        parts = [self.iou_token.weight, self.mask_tokens.weight]
        if self.pred_obj_scores:
            parts.insert(0, self.obj_score_token.weight)
        out_tokens = torch.cat(parts, 0).unsqueeze(0).expand(sparse.shape[0], -1, -1)
        tokens = torch.cat((out_tokens.to(sparse.dtype), sparse), dim=1)
        src = image + dense
        pos = image_pe.expand(tokens.shape[0], -1, -1, -1)
        b, c, h, w = src.shape
        hs, src = self.transformer(src, pos, tokens)
        s = 1 if self.pred_obj_scores else 0
        iou_token, mask_tokens = hs[:, s], hs[:, s + 1: s + 1 + self.num_mask_tokens]
        up = self._upscale(src.transpose(1, 2).reshape(b, c, h, w), high_res)
        hyper = torch.stack([m(mask_tokens[:, i]) for i, m in enumerate(self.output_hypernetworks_mlps)], 1)
        b, c, h, w = up.shape
        masks = (hyper @ up.reshape(b, c, h * w)).reshape(b, -1, h, w)
        iou = self.iou_prediction_head(iou_token)
        if self.pred_obj_scores:
            score = self.pred_obj_score_head(hs[:, 0])
        else:
            score = 10.0 * iou.new_ones(iou.shape[0], 1)
        return masks, iou, mask_tokens, score

    def _stability_fallback(self, masks: Tensor, iou: Tensor) -> tuple[Tensor, Tensor]:
        """Single-mask output, or the best multimask output when token 0 is unstable."""
        batch = torch.arange(masks.shape[0], device=masks.device)
        best = torch.argmax(iou[:, 1:], dim=-1)
        best_masks = masks[:, 1:][batch, best].unsqueeze(1)
        best_iou = iou[:, 1:][batch, best].unsqueeze(1)
        stable = stability_scores(masks[:, 0:1], self.stability_delta) >= self.stability_thresh
        out_masks = torch.where(stable[..., None, None], masks[:, 0:1], best_masks)
        out_iou = torch.where(stable, iou[:, 0:1], best_iou)
        return out_masks, out_iou

    def forward(self, image: Tensor, image_pe: Tensor, sparse: Tensor, dense: Tensor,
                multimask_output: bool, high_res: list[Tensor] | None = None) -> DecoderOutput:
        """image B×C×h×w (one per prompt), image_pe 1×C×h×w, sparse B×N×C, dense B×C×h×w."""
        masks, iou, tokens, score = self.predict_all(image, image_pe, sparse, dense, high_res)
        all_iou = iou
        if multimask_output:
            masks, iou = masks[:, 1:], iou[:, 1:]
        elif self.dynamic_multimask:
            masks, iou = self._stability_fallback(masks, iou)
        else:
            masks, iou = masks[:, 0:1], iou[:, 0:1]
        ptr_tokens = tokens[:, 1:] if multimask_output and self.multimask_token_for_ptr else tokens[:, 0:1]
        return DecoderOutput(masks, iou, ptr_tokens, score, all_iou)
