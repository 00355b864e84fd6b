"""Memory attention / memory encoder: state-dict keys and shapes of every official config,
strict loading of the micro weights, and the numerics of RoPE and the sine encoding."""

from __future__ import annotations

import json
import math

import pytest
import torch

from segmentation.sam2.memory_attention import build_memory_attention
from segmentation.sam2.memory_encoder import build_memory_encoder, sine_position_encoding
from segmentation.sam2.rope import RoPEAttention, attend

CONFIGS = [
    "sam2.1_hiera_t", "sam2.1_hiera_s", "sam2.1_hiera_b+", "sam2.1_hiera_l",
    "sam2_hiera_t", "sam2_hiera_s", "sam2_hiera_b+", "sam2_hiera_l",
]


def _expected(manifest: dict, prefix: str) -> dict[str, list[int]]:
    return {
        key[len(prefix):]: entry["shape"]
        for key, entry in manifest["state_dict"].items()
        if key.startswith(prefix)
    }


def _actual(module: torch.nn.Module) -> dict[str, list[int]]:
    return {key: list(t.shape) for key, t in module.state_dict().items()}


def _check(manifest: dict) -> None:
    hp = manifest["hyperparameters"]
    attn = build_memory_attention(hp["memory_attention"])
    enc = build_memory_encoder(hp["memory_encoder"])
    expected_attn = _expected(manifest, "memory_attention.")
    expected_enc = _expected(manifest, "memory_encoder.")
    assert _actual(attn) == expected_attn
    assert list(attn.state_dict()) == list(expected_attn)  # same order as the checkpoint
    assert _actual(enc) == expected_enc
    assert list(enc.state_dict()) == list(expected_enc)


@pytest.mark.parametrize("config", CONFIGS)
def test_keys_and_shapes_match_manifest(sam2_reference, config):
    _check(json.loads((sam2_reference / "manifest" / f"{config}.json").read_text()))


def test_micro_keys_and_strict_load(sam2_reference):
    manifest = json.loads((sam2_reference / "micro" / "config.json").read_text())
    _check(manifest)
    state = torch.load(sam2_reference / "micro" / "checkpoint.pt", weights_only=True)["model"]
    hp = manifest["hyperparameters"]
    for prefix, build in (("memory_attention.", build_memory_attention),
                          ("memory_encoder.", build_memory_encoder)):
        module = build(hp[prefix[:-1]])
        sub = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        module.load_state_dict(sub, strict=True)


def _complex_rope(x: torch.Tensor, side: int, theta: float) -> torch.Tensor:
    """Independent RoPE reference with complex numbers (tokens row-major, x then y)."""
    d = x.shape[-1]
    inv = 1.0 / theta ** (torch.arange(0, d, 4)[: d // 4].double() / d)
    idx = torch.arange(side * side)
    ang = torch.cat([torch.outer((idx % side).double(), inv),
                     torch.outer((idx // side).double(), inv)], dim=-1)
    rot = torch.polar(torch.ones_like(ang), ang)
    xc = torch.view_as_complex(x.double().reshape(*x.shape[:-1], -1, 2).contiguous())
    reps = x.shape[-2] // (side * side)
    return torch.view_as_real(xc * rot.repeat(reps, 1)).flatten(-2)


def test_rope_attention_matches_complex_reference():
    torch.manual_seed(0)
    attn = RoPEAttention(16, num_heads=2, kv_in_dim=8, rope_k_repeat=True, feat_sizes=(4, 4))
    q_in = torch.randn(3, 16, 16)
    k_in = torch.randn(3, 2 * 16 + 5, 8)  # two memory frames + 5 pointer tokens
    out = attn(q_in, k_in, k_in, num_k_exclude_rope=5)

    def heads(x):
        return x.reshape(3, x.shape[1], 2, 8).transpose(1, 2).double()

    q = _complex_rope(heads(attn.q_proj(q_in)), 4, 10000.0)
    k = heads(attn.k_proj(k_in))
    k = torch.cat([_complex_rope(k[..., :32, :], 4, 10000.0), k[..., 32:, :]], dim=-2)
    v = heads(attn.v_proj(k_in))
    w = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(8), dim=-1)
    ref = attn.out_proj((w @ v).transpose(1, 2).reshape(3, 16, 16).float())
    assert torch.allclose(out, ref, atol=1e-5)
    # a rotation keeps norms: RoPE on queries alone must not change |q| per pair
    assert out.shape == (3, 16, 16)


def test_rope_rejects_keys_that_do_not_tile():
    attn = RoPEAttention(16, num_heads=1, rope_k_repeat=False, feat_sizes=(4, 4))
    with pytest.raises(ValueError):
        attn(torch.randn(1, 16, 16), torch.randn(1, 32, 16), torch.randn(1, 32, 16))


def test_bfloat16_attention_accumulates_in_float32():
    """The attention kernel in bfloat16 stays within bfloat16 rounding of the float32 result
    over 1,000 keys (measured 0.004; the explicit-matmul path it replaced: ~0.01)."""
    torch.manual_seed(2)
    q, k, v = torch.randn(2, 3, 600, 8), torch.randn(2, 3, 1000, 8), torch.randn(2, 3, 1000, 8)
    ref = attend(q, k, v)
    assert torch.allclose(ref, torch.nn.functional.scaled_dot_product_attention(q, k, v))
    bf = attend(q.bfloat16(), k.bfloat16(), v.bfloat16())
    assert bf.dtype == torch.bfloat16 and (bf.float() - ref).abs().max() < 0.01


def test_sine_position_encoding_values():
    pos = sine_position_encoding(2, 3, 4, 8)
    assert pos.shape == (2, 8, 3, 4)
    # channel 0: sin of the normalised row position (rows 1..3 of 3 → 2π·r/3)
    rows = torch.arange(1, 4, dtype=torch.float32) / (3 + 1e-6) * 2 * math.pi
    assert torch.allclose(pos[0, 0, :, 0], rows.sin(), atol=1e-6)
    # channel 4 (first x channel): sin of the normalised column position
    cols = torch.arange(1, 5, dtype=torch.float32) / (4 + 1e-6) * 2 * math.pi
    assert torch.allclose(pos[1, 4, 0, :], cols.sin(), atol=1e-6)
    # channel 3: cos with frequency 10000^(2·1/4)
    assert torch.allclose(pos[0, 3, :, 2], torch.cos(rows / 100.0), atol=1e-6)


def test_memory_modules_forward_shapes_micro_sizes():
    hp_enc = {
        "out_dim": 8, "in_dim": 32,
        "mask_downsampler": {"embed_dim": 32, "kernel_size": 3, "stride": 2, "padding": 1,
                             "total_stride": 16, "activation": "gelu"},
        "fuser": {"layer": {"dim": 32, "kernel_size": 7, "padding": 3, "drop_path": 0.0,
                            "layer_scale_init_value": 1e-6, "use_dwconv": True},
                  "num_layers": 2, "dim": None, "input_projection": False},
        "position_encoding": {"num_pos_feats": 8, "temperature": 10000, "normalize": True,
                              "scale": None},
    }
    enc = build_memory_encoder(hp_enc)
    feats, pos = enc(torch.randn(2, 32, 16, 16), torch.randn(2, 1, 256, 256))
    assert feats.shape == (2, 8, 16, 16) and pos.shape == (2, 8, 16, 16)
    assert torch.equal(pos[0], pos[1])


def _small_memory_attention(kind: str) -> torch.nn.Module:
    """Two layers, 32 channels, 2 heads, 8×8 tokens, 16-channel memories."""
    def attn(kv_in_dim: int | None, k_repeat: bool, kind: str = "RoPEAttention") -> dict:
        return {"type": kind, "embedding_dim": 32, "num_heads": 2, "kv_in_dim": kv_in_dim,
                "rope_theta": 10000.0, "rope_k_repeat": k_repeat, "feat_sizes": [8, 8]}
    layer = {"d_model": 32, "dim_feedforward": 64, "activation": "relu",
             "pos_enc_at_attn": False, "pos_enc_at_cross_attn_keys": True,
             "pos_enc_at_cross_attn_queries": False, "self_attention": attn(None, False),
             "cross_attention": attn(16, True, kind)}
    torch.manual_seed(5)
    module = build_memory_attention({"d_model": 32, "num_layers": 2, "layer": layer,
                                     "pos_enc_at_input": True, "batch_first": True})
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn_like(p) * 0.1)  # non-zero biases and LayerNorm shifts
    return module.eval()


@pytest.mark.parametrize("kind", ["RoPEAttention", "EfficientRoPEAttention1",
                                  "EfficientRoPEAttention2"])
def test_frame_by_frame_memory_attention_equals_concatenated_tokens(kind):
    """``forward_frames`` (keys projected once per memory frame, its temporal encoding and the
    bias added afterwards) computes what ``forward`` computes on the concatenated tokens, also
    on the next step, when the kept frames moved to other temporal slots."""
    from segmentation.sam2.memory_attention import MemoryProjections, SpatialMemory

    module = _small_memory_attention(kind)
    g = torch.Generator().manual_seed(6)
    curr, curr_pos = torch.randn(2, 64, 32, generator=g), torch.randn(2, 64, 32, generator=g)
    feats = [torch.randn(16, 8, 8, generator=g).bfloat16() for _ in range(4)]
    spatial_pos, temporal = torch.randn(64, 16, generator=g), torch.randn(7, 16, generator=g)
    ptrs, ptr_pos = torch.randn(2, 6, 16, generator=g), torch.randn(2, 6, 16, generator=g)
    cache = MemoryProjections()

    def concatenated(frames):
        mem = torch.stack([torch.cat([f.features.float().flatten(1).t() for f in item]
                                     + [ptrs[b]]) for b, item in enumerate(frames)])
        pos = torch.stack([torch.cat([spatial_pos + temporal[f.slot] for f in item]
                                     + [ptr_pos[b]]) for b, item in enumerate(frames)])
        return module(curr, curr_pos, mem, pos, num_obj_ptr_tokens=6)

    with torch.no_grad():
        for step in range(2):  # step 1: the same frames one slot older, a new frame first
            frames = [[SpatialMemory(feats[0], 6)]
                      + [SpatialMemory(feats[(i + step) % 4], i + step) for i in (1, 2)],
                      [SpatialMemory(feats[3], 6), SpatialMemory(feats[1 + step], 3),
                       SpatialMemory(feats[2], 1 + step)]]
            fast = module.forward_frames(curr, curr_pos, frames, spatial_pos, temporal,
                                         ptrs, ptr_pos, cache=cache)
            assert torch.allclose(fast, concatenated(frames), atol=1e-5), step
            cache.keep_used()
    # kept: what step 1 read, per layer: frames 0, 2, 3 and the offsets of slots 2, 3, 6
    assert len(cache) == 2 * (3 + 3)


def test_memory_projections_forget_frames_no_longer_read():
    from segmentation.sam2.memory_attention import MemoryProjections

    cache, a, b = MemoryProjections(), torch.zeros(4), torch.ones(4)
    made = []
    for step in range(3):
        cache.get((id(a), 0), lambda: made.append("a") or (a,), owner=a)
        if step == 0:
            cache.get((id(b), 0), lambda: made.append("b") or (b,), owner=b)
        cache.keep_used()
    assert made == ["a", "b"] and len(cache) == 1 and cache.nbytes == 16
