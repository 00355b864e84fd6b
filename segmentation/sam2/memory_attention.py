"""SAM 2 memory attention: conditions the current frame's features on the memory bank.

A stack of layers, each: self-attention over the frame's tokens (RoPE), cross-attention from
the frame's tokens to the memory tokens (RoPE on the spatial memory, none on the object-pointer
tokens at the end), then an MLP; pre-norm residual blocks, final LayerNorm. Inference only
(no dropout). Built from the manifest schema ``hyperparameters["memory_attention"]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import torch
from torch import Tensor, nn

from segmentation.sam2.pooled_attention import PooledRoPEAttention
from segmentation.sam2.rope import RoPEAttention

#: LayerNorm epsilon of the memory attention (fixed in the official code: torch's default).
_LAYERNORM_EPS = 1e-5

_ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU}


#: Attention class per manifest ``type`` → pooled-memory variant (0 = plain RoPE attention).
_POOLED_VARIANTS = {"RoPEAttention": 0, "EfficientRoPEAttention1": 1,
                    "EfficientRoPEAttention2": 2}


def _rope_attention(hp: dict[str, Any]) -> RoPEAttention:
    kind = hp.get("type", "RoPEAttention")
    if kind not in _POOLED_VARIANTS:
        raise ValueError(f"unknown memory attention type {kind!r}")
    variant = _POOLED_VARIANTS[kind]
    cls = partial(PooledRoPEAttention, variant=variant) if variant else RoPEAttention
    return cls(
        embedding_dim=int(hp["embedding_dim"]),
        num_heads=int(hp["num_heads"]),
        downsample_rate=int(hp.get("downsample_rate", 1)),
        kv_in_dim=hp.get("kv_in_dim"),
        rope_theta=float(hp.get("rope_theta", 10000.0)),
        rope_k_repeat=bool(hp.get("rope_k_repeat", False)),
        feat_sizes=tuple(hp.get("feat_sizes", (64, 64))),
    )


@dataclass(frozen=True)
class SpatialMemory:
    """One spatial memory frame as :meth:`MemoryAttention.forward_frames` reads it.

    ``features`` (mem_dim, H, W) any dtype (the tracker stores bfloat16); ``slot`` the row
    of the temporal encoding table added to every token (its age in the memory bank).
    ``features`` is also the identity under which :class:`MemoryProjections` keeps the
    frame's keys and values.
    """

    features: Tensor
    slot: int


class MemoryProjections:
    """Cross-attention keys/values of the memory frames read in the last tracking step.

    A frame stays in the bank for ``num_maskmem`` steps while only its temporal slot
    changes, so its per-layer projections (the keys rotated, without bias and temporal
    encoding) are computed once; :meth:`keep_used` drops those of frames the last step did
    not read. Memory: per frame and layer 2 × H·W × d_model values in the model's dtype.
    """

    def __init__(self) -> None:
        self._entries: dict[Any, Any] = {}
        self._used: set[Any] = set()

    def get(self, key: tuple, make: Callable[[], Any], owner: object = None) -> Any:
        """The entry under ``key`` (made on first use); marks it used. ``owner``: the object
        whose ``id`` is in the key, held with the entry so the id stays its own."""
        self._used.add(key)
        if key not in self._entries:
            self._entries[key] = (owner, make())
        return self._entries[key][1]

    def keep_used(self) -> None:
        """Forget every entry not read since the last call."""
        self._entries = {k: v for k, v in self._entries.items() if k in self._used}
        self._used = set()

    @property
    def nbytes(self) -> int:
        def size(item: Any) -> int:
            if isinstance(item, Tensor):
                return item.numel() * item.element_size()
            return sum(size(x) for x in item)

        return sum(size(value) for _, value in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)


class MemoryAttentionLayer(nn.Module):
    """One layer; tensors are batch-first (B, tokens, channels)."""

    def __init__(self, hp: dict[str, Any]) -> None:
        super().__init__()
        d_model = int(hp["d_model"])
        self.pos_enc_at_attn = bool(hp.get("pos_enc_at_attn", False))
        self.pos_enc_at_cross_attn_queries = bool(hp.get("pos_enc_at_cross_attn_queries", False))
        self.pos_enc_at_cross_attn_keys = bool(hp.get("pos_enc_at_cross_attn_keys", True))
        self.self_attn = _rope_attention(hp["self_attention"])
        self.cross_attn_image = _rope_attention(hp["cross_attention"])
        self.linear1 = nn.Linear(d_model, int(hp["dim_feedforward"]))
        self.linear2 = nn.Linear(int(hp["dim_feedforward"]), d_model)
        self.norm1 = nn.LayerNorm(d_model, eps=_LAYERNORM_EPS)
        self.norm2 = nn.LayerNorm(d_model, eps=_LAYERNORM_EPS)
        self.norm3 = nn.LayerNorm(d_model, eps=_LAYERNORM_EPS)
        self.activation = _ACTIVATIONS[hp.get("activation", "relu")]()

    def forward(
        self, tgt: Tensor, memory: Tensor, query_pos: Tensor, memory_pos: Tensor,
        num_k_exclude_rope: int = 0,
    ) -> Tensor:
        """tgt (B, N, d_model), memory (B, M, kv_dim), positions alike → (B, N, d_model)."""
        x = self.norm1(tgt)
        q = x + query_pos if self.pos_enc_at_attn else x
        tgt = tgt + self.self_attn(q, q, x)
        x = self.norm2(tgt)
        q = x + query_pos if self.pos_enc_at_cross_attn_queries else x
        k = memory + memory_pos if self.pos_enc_at_cross_attn_keys else memory
        tgt = tgt + self.cross_attn_image(q, k, memory, num_k_exclude_rope=num_k_exclude_rope)
        return self._feed_forward(tgt)

    def _feed_forward(self, tgt: Tensor) -> Tensor:
        x = self.norm3(tgt)
        return tgt + self.linear2(self.activation(self.linear1(x)))

    def forward_projected(self, tgt: Tensor, query_pos: Tensor, keys: Tensor, values: Tensor,
                          num_k_rope: int) -> Tensor:
        """:meth:`forward` with the cross-attention's keys/values given (B, h, M, d)."""
        x = self.norm1(tgt)
        q = x + query_pos if self.pos_enc_at_attn else x
        tgt = tgt + self.self_attn(q, q, x)
        x = self.norm2(tgt)
        q = x + query_pos if self.pos_enc_at_cross_attn_queries else x
        tgt = tgt + self.cross_attn_image.attend_projected(q, keys, values, num_k_rope)
        return self._feed_forward(tgt)


class MemoryAttention(nn.Module):
    """Memory attention stack (state-dict keys ``layers.<i>.*`` and ``norm``).

    ``forward`` takes batch-first tensors:
        curr: (B, HW, d_model) current frame features (top FPN level, tokens row-major);
        curr_pos: (B, HW, d_model) their sine position encoding;
        memory: (B, M, mem_dim) spatial memories of F frames (F·HW tokens) followed by
            ``num_obj_ptr_tokens`` object-pointer tokens;
        memory_pos: (B, M, mem_dim) their position + temporal encodings.
    Returns (B, HW, d_model), the conditioned features in the weights' dtype (inputs of
    another dtype, e.g. bfloat16 memories, are cast).
    """

    def __init__(self, hp: dict[str, Any]) -> None:
        super().__init__()
        self.d_model = int(hp["d_model"])
        self.pos_enc_at_input = bool(hp.get("pos_enc_at_input", True))
        self.layers = nn.ModuleList(
            MemoryAttentionLayer(hp["layer"]) for _ in range(int(hp["num_layers"]))
        )
        self.norm = nn.LayerNorm(self.d_model, eps=_LAYERNORM_EPS)

    def forward(
        self, curr: Tensor, curr_pos: Tensor, memory: Tensor, memory_pos: Tensor,
        num_obj_ptr_tokens: int = 0,
    ) -> Tensor:
        # bfloat16 memories are computed with the attention's own dtype (the official code
        # upcasts them only by accident of concatenation, and crashes when no pointer exists).
        dtype = self.norm.weight.dtype  # inputs follow the weights' precision
        curr, curr_pos = curr.to(dtype), curr_pos.to(dtype)
        memory, memory_pos = memory.to(dtype), memory_pos.to(dtype)
        out = curr + 0.1 * curr_pos if self.pos_enc_at_input else curr
        for layer in self.layers:
            out = layer(out, memory, curr_pos, memory_pos, num_k_exclude_rope=num_obj_ptr_tokens)
        return self.norm(out)

    def forward_frames(
        self, curr: Tensor, curr_pos: Tensor, frames: Sequence[Sequence[SpatialMemory]],
        spatial_pos: Tensor, temporal: Tensor, pointers: Tensor | None = None,
        pointer_pos: Tensor | None = None, cache: MemoryProjections | None = None,
    ) -> Tensor:
        """:meth:`forward` with the memory given frame by frame, projections kept in ``cache``.

        ``frames``: per batch item, its spatial memories (the same count for every item);
        ``spatial_pos`` (H·W, mem_dim) their position encoding; ``temporal`` (S, mem_dim) the
        temporal encodings the slots index; ``pointers``/``pointer_pos`` (B, P, mem_dim)
        object-pointer tokens or None. Equals :meth:`forward` on the concatenated tokens
        (``features + spatial_pos + temporal[slot]``, then pointers) up to rounding.
        """
        dtype = self.norm.weight.dtype
        cache = MemoryProjections() if cache is None else cache
        curr, curr_pos = curr.to(dtype), curr_pos.to(dtype)
        spatial_pos, temporal = spatial_pos.to(dtype), temporal.to(dtype)
        num_tokens = curr.shape[1]
        num_k_rope = len(frames[0]) * num_tokens
        ptr_kv = [None] * len(self.layers)
        if pointers is not None and pointers.shape[1]:
            ptr_in = pointers.to(dtype)
            ptr_keys = ptr_in + pointer_pos.to(dtype)
            ptr_kv = [layer.cross_attn_image.pointer_kv(
                ptr_keys if layer.pos_enc_at_cross_attn_keys else ptr_in, ptr_in)
                for layer in self.layers]
        out = curr + 0.1 * curr_pos if self.pos_enc_at_input else curr
        num_ptr = 0 if ptr_kv[0] is None else ptr_kv[0][0].shape[-2]
        for index, layer in enumerate(self.layers):
            attn = layer.cross_attn_image
            heads, head_dim = attn.num_heads, attn.internal_dim // attn.num_heads
            shape = (len(frames), heads, num_k_rope + num_ptr, head_dim)
            k_all, v_all = curr.new_empty(shape), curr.new_empty(shape)  # filled in place
            for b, item in enumerate(frames):
                for f, mem in enumerate(item):
                    k, v = cache.get((id(mem.features), index),
                                     partial(self._frame_kv, layer, mem.features, spatial_pos),
                                     owner=mem.features)
                    encoding = temporal[mem.slot] if layer.pos_enc_at_cross_attn_keys else None
                    offset = cache.get((index, mem.slot, num_tokens, dtype),
                                       partial(attn.key_offset, encoding, num_tokens))
                    rows = slice(f * num_tokens, (f + 1) * num_tokens)
                    torch.add(k, offset, out=k_all[b, :, rows])
                    v_all[b, :, rows] = v
            if num_ptr:
                k_all[:, :, num_k_rope:] = ptr_kv[index][0]
                v_all[:, :, num_k_rope:] = ptr_kv[index][1]
            out = layer.forward_projected(out, curr_pos, k_all, v_all, num_k_rope)
        return self.norm(out)

    def _frame_kv(self, layer: MemoryAttentionLayer, features: Tensor,
                  spatial_pos: Tensor) -> tuple[Tensor, Tensor]:
        tokens = features.to(spatial_pos.device, spatial_pos.dtype).flatten(1).t()  # (H·W, C)
        keys_in = tokens + spatial_pos if layer.pos_enc_at_cross_attn_keys else tokens
        return layer.cross_attn_image.memory_frame_kv(keys_in, tokens)


def build_memory_attention(hp: dict[str, Any]) -> MemoryAttention:
    """Memory attention from the manifest sub-dict ``hyperparameters["memory_attention"]``."""
    if not hp.get("batch_first", True):
        raise ValueError("only batch_first memory attention is supported")
    return MemoryAttention(hp)


__all__ = ["MemoryAttention", "MemoryAttentionLayer", "MemoryProjections", "SpatialMemory",
           "build_memory_attention"]
