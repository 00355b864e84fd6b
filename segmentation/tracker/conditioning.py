"""Memory-conditioned features: which memories a tracked frame reads and how they are encoded.

Official semantics (SAM 2 ``_prepare_memory_conditioned_features``): all (selected)
conditioning frames with temporal slot 0, the previous ``num_maskmem − 1`` frames in the
tracking direction with slots 1..num_maskmem−1, and object pointers of past conditioning
frames plus up to ``min(num_frames, max_obj_ptrs) − 1`` previous frames, with a sine temporal
encoding of their signed distance. Objects whose token layouts match go through the memory
attention as one batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from segmentation.sam2.memory_attention import SpatialMemory
from segmentation.tracker.memory_bank import FrameOutput, ObjectMemory
from segmentation.tracker.model_port import FrameFeatures, ModelPort
from segmentation.tracker.settings import ModelSettings


@dataclass(frozen=True)
class MemoryRefs:
    """What one object reads on one frame: (temporal slot, output) and (distance, output)."""

    spatial: tuple[tuple[int, FrameOutput], ...]
    pointers: tuple[tuple[int, FrameOutput], ...]

    @property
    def layout(self) -> tuple[int, int]:
        return len(self.spatial), len(self.pointers)


def closest_cond_frames(frame: int, cond: dict[int, FrameOutput], limit: int
                        ) -> tuple[dict[int, FrameOutput], dict[int, FrameOutput]]:
    """Official selection of at most ``limit`` conditioning frames (−1 = all): (kept, rest)."""
    if limit == -1 or len(cond) <= limit:
        return dict(cond), {}
    if limit < 2:
        raise ValueError("max_cond_frames_in_attn must be -1 or >= 2")
    selected: dict[int, FrameOutput] = {}
    before = max((t for t in cond if t < frame), default=None)
    after = min((t for t in cond if t >= frame), default=None)
    for t in (before, after):
        if t is not None:
            selected[t] = cond[t]
    rest = sorted((t for t in cond if t not in selected), key=lambda t: abs(t - frame))
    for t in rest[: limit - len(selected)]:
        selected[t] = cond[t]
    return selected, {t: o for t, o in cond.items() if t not in selected}


def _previous_frame(frame: int, t_rel: int, stride: int, reverse: bool) -> int:
    if t_rel == 1:
        return frame + 1 if reverse else frame - 1
    if reverse:
        return -(-(frame + 2) // stride) * stride + (t_rel - 2) * stride
    return ((frame - 2) // stride) * stride - (t_rel - 2) * stride


def gather_refs(memory: ObjectMemory, frame: int, reverse: bool, num_frames: int,
                s: ModelSettings) -> MemoryRefs:
    """The memories and pointers a non-initial frame reads (official order)."""
    selected, unselected = closest_cond_frames(frame, memory.cond, s.max_cond_frames_in_attn)
    spatial = [(0, out) for out in selected.values()]
    stride = max(s.memory_temporal_stride, 1)
    for t_pos in range(1, s.num_maskmem):
        prev = _previous_frame(frame, s.num_maskmem - t_pos, stride, reverse)
        out = memory.non_cond.get(prev) or unselected.get(prev)
        if out is not None:
            spatial.append((t_pos, out))
    pointers: list[tuple[int, FrameOutput]] = []
    if s.use_obj_ptrs_in_encoder:
        sign = -1 if reverse else 1
        for t, out in selected.items():
            if s.only_obj_ptrs_in_the_past and (t < frame if reverse else t > frame):
                continue
            dist = (frame - t) * sign if s.use_signed_tpos_enc_to_obj_ptrs else abs(frame - t)
            pointers.append((dist, out))
        for t_diff in range(1, min(num_frames, s.max_obj_ptrs_in_encoder)):
            t = frame + t_diff if reverse else frame - t_diff
            if t < 0 or t >= num_frames:
                break
            out = memory.non_cond.get(t) or unselected.get(t)
            if out is not None:
                pointers.append((t_diff, out))
    return MemoryRefs(tuple(spatial), tuple(pointers))


def sine_1d(positions: Tensor, dim: int, temperature: float = 10000.0) -> Tensor:
    """1-D sine encoding (N,) → (N, dim): [sin(p/T^(2⌊i/2⌋/(dim/2))), cos(...)]."""
    half = dim // 2
    dim_t = torch.arange(half, dtype=torch.float32, device=positions.device)
    dim_t = temperature ** (2 * (dim_t // 2) / half)
    angles = positions.unsqueeze(-1) / dim_t
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


def pointer_tokens(port: ModelPort, refs: MemoryRefs, num_frames: int
                   ) -> tuple[Tensor, Tensor]:
    """Object-pointer tokens (P, mem_dim) of one object and their encodings (P, mem_dim);
    P = pointers × hidden_dim/mem_dim (each pointer is split into mem_dim-sized tokens)."""
    s = port.settings
    dtype = port.dtype
    if not refs.pointers:
        empty = torch.zeros((0, s.mem_dim), dtype=dtype, device=port.device)
        return empty, empty
    ptrs = torch.stack([out.obj_ptr.to(port.device, dtype) for _, out in refs.pointers])
    count = ptrs.shape[0]
    if s.add_tpos_enc_to_obj_ptrs:
        t_max = min(num_frames, s.max_obj_ptrs_in_encoder) - 1
        dists = torch.tensor([d for d, _ in refs.pointers], device=port.device)
        tdim = s.hidden_dim if s.proj_tpos_enc_in_obj_ptrs else s.mem_dim
        ptr_pos = port.obj_ptr_tpos_proj(sine_1d(dists / t_max, tdim).to(dtype))
    else:
        ptr_pos = ptrs.new_zeros(count, s.mem_dim)
    split = s.hidden_dim // s.mem_dim
    if split > 1:
        ptrs = ptrs.reshape(count * split, s.mem_dim)
        ptr_pos = ptr_pos.repeat_interleave(split, dim=0)
    return ptrs, ptr_pos


def condition(port: ModelPort, features: FrameFeatures, refs: list[MemoryRefs | None],
              num_frames: int) -> Tensor:
    """Image embeddings (B, C, H, W) for B objects; None refs = initial conditioning frame.

    The memory attention keeps each memory frame's key/value projections in
    ``port.projections`` while consecutive calls read it (see ``MemoryProjections``).
    """
    top = features.top
    _, c, h, w = top.shape
    out = torch.empty((len(refs), c, h, w), dtype=top.dtype, device=top.device)
    groups: dict[tuple[int, int], list[int]] = {}
    for i, r in enumerate(refs):
        if r is None:
            out[i] = top[0] + port.no_mem_embed.reshape(c, 1, 1)
        else:
            groups.setdefault(r.layout, []).append(i)
    if not groups:
        return out
    s = port.settings
    cache = port.projections_for(sum(len(r.spatial) for r in refs if r is not None), h * w)
    curr = top.flatten(2).transpose(1, 2)  # (1, HW, C)
    curr_pos = features.top_pos.flatten(2).transpose(1, 2)
    mem_pos = port.memory_encoder.position_encoding(1, h, w, top.device)
    mem_pos = mem_pos.to(top.dtype).flatten(2)[0].t()  # (HW, mem_dim)
    temporal = port.maskmem_tpos_enc.reshape(s.num_maskmem, -1)
    for members in groups.values():
        frames = [[SpatialMemory(o.memory, s.num_maskmem - t_pos - 1)
                   for t_pos, o in refs[i].spatial] for i in members]
        ptrs = [pointer_tokens(port, refs[i], num_frames) for i in members]
        batch = len(members)
        fused = port.memory_attention.forward_frames(
            curr.expand(batch, -1, -1), curr_pos.expand(batch, -1, -1), frames, mem_pos,
            temporal, torch.stack([p[0] for p in ptrs]), torch.stack([p[1] for p in ptrs]),
            cache=cache)
        out[members] = fused.transpose(1, 2).reshape(batch, c, h, w).to(out.dtype)
    return out


__all__ = ["MemoryRefs", "condition", "gather_refs", "closest_cond_frames", "pointer_tokens",
           "sine_1d"]
