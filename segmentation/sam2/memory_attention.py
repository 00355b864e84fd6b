"""SAM 2 memory attention: conditions the current frame's features on the memory bank.

A stack of layers, each: self-attention over the frame's tokens (RoPE), cross-attention from
the frame's tokens to the memory tokens (RoPE on the spatial memory, none on the object-pointer
tokens at the end), then an MLP; pre-norm residual blocks, final LayerNorm. Inference only
(no dropout). Built from the manifest schema ``hyperparameters["memory_attention"]``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

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
        x = self.norm3(tgt)
        return tgt + self.linear2(self.activation(self.linear1(x)))


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


def build_memory_attention(hp: dict[str, Any]) -> MemoryAttention:
    """Memory attention from the manifest sub-dict ``hyperparameters["memory_attention"]``."""
    if not hp.get("batch_first", True):
        raise ValueError("only batch_first memory attention is supported")
    return MemoryAttention(hp)


__all__ = ["MemoryAttention", "MemoryAttentionLayer", "build_memory_attention"]
