"""Per-frame model work: prompted outputs, tracked outputs and memory encoding (batched)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from segmentation.tracker.conditioning import condition, gather_refs
from segmentation.tracker.memory_bank import FrameOutput, ObjectMemory
from segmentation.tracker.model_port import FrameFeatures, HeadsOutput, ModelPort
from segmentation.tracker.objects import MaskPrompt, PointPrompt
from segmentation.tracker.postprocess import fill_holes


def _outputs(heads: HeadsOutput, fill_hole_area: int, from_prompt: bool) -> list[FrameOutput]:
    low = heads.low_res
    if fill_hole_area > 0:
        low = fill_holes(low, fill_hole_area)
    return [
        FrameOutput(low_res=low[i].detach().clone(), obj_ptr=heads.obj_ptr[i].detach().clone(),
                    object_score=float(heads.object_score[i, 0]), from_prompt=from_prompt)
        for i in range(low.shape[0])
    ]


def prompt_output(
    port: ModelPort, features: FrameFeatures, memory: ObjectMemory, frame: int,
    prompt: PointPrompt | MaskPrompt, is_init_cond: bool, reverse: bool,
    previous_logits: Tensor | None, num_frames: int, fill_hole_area: int,
) -> FrameOutput:
    """One object's output for a click/box or mask prompt (no memory encoding yet)."""
    if isinstance(prompt, MaskPrompt):
        return _outputs(port.mask_as_output(features, prompt.mask), fill_hole_area, True)[0]
    refs = None if is_init_cond else gather_refs(memory, frame, reverse, num_frames,
                                                 port.settings)
    embed = condition(port, features, [refs], num_frames)
    mask_in = None
    if previous_logits is not None:
        mask_in = previous_logits.clamp(-32.0, 32.0)[None].to(port.device, port.dtype)
    multimask = port.settings.use_multimask(is_init_cond, prompt.num_points)
    heads = port.heads(embed, features, prompt.coords.to(port.device),
                       prompt.labels.to(port.device), mask_in, multimask)
    return _outputs(heads, fill_hole_area, True)[0]


def tracked_outputs(
    port: ModelPort, features: FrameFeatures, memories: list[ObjectMemory], frame: int,
    reverse: bool, num_frames: int, fill_hole_area: int,
) -> tuple[list[FrameOutput], Tensor, Tensor]:
    """Track B objects on a frame in one batch; returns outputs, high-res logits, scores.

    High-res logits (B, 1, S, S) are the decoder's (before hole filling), which the official
    tracker encodes into memory.
    """
    refs = [gather_refs(m, frame, reverse, num_frames, port.settings) for m in memories]
    embed = condition(port, features, list(refs), num_frames)
    multimask = port.settings.use_multimask(False, 0)
    heads = port.heads(embed, features, None, None, None, multimask)
    return _outputs(heads, fill_hole_area, False), heads.high_res, heads.object_score


def encode_memories(
    port: ModelPort, features: FrameFeatures, high_res_logits: Tensor, object_scores: Tensor,
    binarize: bool,
) -> Tensor:
    """Spatial memories (B, mem_dim, H, W) bfloat16 from (B, 1, S, S) logits.

    The mask fed to the encoder is ``binary·scale + bias`` for prompted outputs (when
    ``binarize``) and ``sigmoid(logit)·scale + bias`` otherwise; absent objects
    (score ≤ 0) get ``no_obj_embed_spatial`` added.
    """
    s = port.settings
    logits = high_res_logits.to(port.device, torch.float32)
    mask = (logits > 0).float() if binarize else torch.sigmoid(logits)
    mask = mask * s.sigmoid_scale + s.sigmoid_bias
    batch = logits.shape[0]
    pix = features.top.expand(batch, -1, -1, -1)
    mem, _ = port.memory_encoder(pix, mask.to(port.dtype))
    if port.no_obj_embed_spatial is not None:
        absent = (object_scores.to(port.device).reshape(batch, 1, 1, 1) <= 0).to(mem.dtype)
        mem = mem + absent * port.no_obj_embed_spatial.reshape(1, -1, 1, 1)
    return mem.to(torch.bfloat16)


def upsample_to_input(low_res: Tensor, image_size: int) -> Tensor:
    """(B, 1, h, w) low-res logits → (B, 1, S, S), bilinear, half-pixel centres."""
    return F.interpolate(low_res, size=(image_size, image_size), mode="bilinear",
                         align_corners=False)
