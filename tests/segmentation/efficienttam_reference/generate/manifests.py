"""Manifests of the eight official EfficientTAM configs (run with the official code; see README).

Never imported by the test suite: it needs the official source and hydra. Usage, from a
scratch environment with torch, hydra-core and iopath:

    python manifests.py OFFICIAL_SRC OUT_DIR

writes ``OUT_DIR/manifest/<config>.json`` in the schema of the SAM 2 reference manifests
(``config``, ``config_file``, ``config_overrides``, ``hyperparameters``, ``fixed_in_code``,
``derived``, ``inference_settings``, ``num_parameters``, ``num_state_dict_tensors``,
``num_state_dict_elements``, ``state_dict``). ``hyperparameters`` holds every constructor
argument of every module of the YAML (the YAML value, else the constructor default), plus a
``type`` (class name) on the three modules whose class differs from SAM 2's: trunk, neck and
the memory cross-attention.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import sys
from pathlib import Path
from typing import Any

CONFIG_NAMES = (
    "efficienttam_ti", "efficienttam_ti_512x512", "efficienttam_ti_1", "efficienttam_ti_2",
    "efficienttam_s", "efficienttam_s_512x512", "efficienttam_s_1", "efficienttam_s_2",
)

#: Constructor arguments without effect on outputs (cache warm-up, pretrained-weights path).
SKIPPED_ARGS = {
    "PositionEmbeddingSine": {"warmup_cache", "image_size", "strides"},
    "ViT": {"weights_path"},
}
#: Modules whose class name is recorded as ``type``.
TYPED = {"ViT", "ViTDetNeck", "RoPEAttention", "EfficientRoPEAttention1",
         "EfficientRoPEAttention2"}
TYPED_PATHS = ("image_encoder.trunk", "image_encoder.neck",
               "memory_attention.layer.cross_attention")


def setup_official(src: Path) -> None:
    """Make the official package importable and hydra initialised."""
    sys.path.insert(0, str(src))
    importlib.import_module("efficient_track_anything")


def compose_model(config_file: str, overrides: list[str]) -> Any:
    """The resolved ``model`` node of an official YAML with hydra overrides."""
    from hydra import compose
    from omegaconf import OmegaConf

    cfg = compose(config_name=config_file, overrides=overrides)
    OmegaConf.resolve(cfg)
    return cfg.model


def _class(target: str) -> type:
    module, _, name = target.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _plain_default(value: Any) -> Any:
    """JSON form of a constructor default (activation classes become their lower-case name)."""
    if inspect.isclass(value):
        return value.__name__.lower()
    if isinstance(value, functools.partial):
        kwargs = ",".join(f"{k}={v}" for k, v in value.keywords.items())
        return f"{value.func.__name__}({kwargs})"
    if isinstance(value, tuple):
        return list(value)
    return value


def hyperparameters(node: Any, path: str = "") -> dict[str, Any]:
    """Every constructor argument of ``node`` (an OmegaConf node with ``_target_``)."""
    from omegaconf import DictConfig, OmegaConf

    cls = _class(node["_target_"])
    signature = inspect.signature(cls.__init__)
    skipped = SKIPPED_ARGS.get(cls.__name__, set())
    out: dict[str, Any] = {}
    if path in TYPED_PATHS:
        assert cls.__name__ in TYPED, (path, cls)
        out["type"] = cls.__name__
    for name, param in signature.parameters.items():
        if name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if name in skipped:
            continue
        child = f"{path}.{name}" if path else name
        if name in node:
            value = node[name]
            if isinstance(value, DictConfig) and "_target_" in value:
                out[name] = hyperparameters(value, child)
            else:
                out[name] = OmegaConf.to_container(value) if isinstance(
                    value, DictConfig) or OmegaConf.is_list(value) else value
        elif param.default is not inspect.Parameter.empty:
            out[name] = _plain_default(param.default)
    # *args/**kwargs of the attention classes forward to Attention.__init__
    if cls.__name__.endswith("Attention1") or cls.__name__.endswith("Attention2") or (
            cls.__name__ == "RoPEAttention"):
        base = inspect.signature(cls.__mro__[1].__init__)
        for name, param in base.parameters.items():
            if name == "self" or name in out:
                continue
            out[name] = node[name] if name in node else _plain_default(param.default)
    return out


def fixed_in_code(model: Any) -> dict[str, Any]:
    """Dimensions and choices the official code hard-codes, read back from the built model."""
    trunk = model.image_encoder.trunk
    block = trunk.blocks[0]
    pe = model.sam_prompt_encoder
    dec = model.sam_mask_decoder
    return {
        "image_encoder.trunk": {
            "patch_embed": {"kernel_size": list(trunk.patch_embed.proj.kernel_size),
                            "stride": list(trunk.patch_embed.proj.stride),
                            "padding": list(trunk.patch_embed.proj.padding), "bias": True},
            "block_norm": f"LayerNorm eps={block.norm1.eps}",
            "block_mlp": "MLP 2 layers, GELU (exact, erf form)",
            "attention": "one qkv Linear (dim -> 3 dim), heads split after it; proj Linear",
            "window_partition": "zero-pad H and W at the bottom/right to a multiple of "
                                "window_size, attend within windows, crop the padding",
            "pos_embed": "1 x (pretrain_img_size/patch)^2 + 1 x dim (first row: cls token, "
                         "dropped); bicubic interpolation (align_corners=False) of the "
                         "remaining grid to the patch grid when sizes differ; added once after "
                         "the patch embedding",
            "final_norm": None,
            "outputs": "only the last block's output (return_interm_layers=False)",
        },
        "image_encoder.neck": {
            "per_level": "Conv2d 1x1 (no bias) -> LayerNorm2d eps=1e-6 -> Conv2d 3x3 pad 1 "
                         "(no bias) -> LayerNorm2d eps=1e-6 (biases only when neck_norm is None)",
            "levels": "one (no top-down pathway)",
        },
        "sam_prompt_encoder": {
            "embed_dim": pe.embed_dim, "image_embedding_size": list(pe.image_embedding_size),
            "input_image_size": list(pe.input_image_size),
            "mask_input_size": list(pe.mask_input_size), "mask_in_chans": 16,
            "num_point_embeddings": len(pe.point_embeddings)},
        "sam_mask_decoder": {
            "transformer_dim": dec.transformer_dim, "num_mask_tokens": dec.num_mask_tokens,
            "use_high_res_features": dec.use_high_res_features,
            "transformer": {"depth": len(dec.transformer.layers), "num_heads": 8,
                            "mlp_dim": 2048, "attention_downsample_rate": 2}},
        "memory_attention": {
            "layernorm_eps": 1e-05,
            "pooled_cross_attention": "EfficientRoPEAttention1/2 only: when the rotated "
                                      "keys span more than one frame, keys and values of each "
                                      "memory frame are 2x2 average-pooled (after RoPE); "
                                      "v1 adds 2*ln(2) to the pooled logits, v2 adds 2*ln(2) "
                                      "to every element of the pooled keys; object-pointer "
                                      "tokens are not pooled"},
        "efficienttam_base": {"use_high_res_features_in_sam": "forced False",
                              "num_feature_levels": 1, "no_obj_score_placeholder": -1024.0,
                              "maskmem_features_storage_dtype_in_video_predictor": "bfloat16"},
    }


def derived(model: Any, hp: dict[str, Any]) -> dict[str, Any]:
    trunk = model.image_encoder.trunk
    hidden = model.hidden_dim
    mem = model.mem_dim
    windows = set(hp["image_encoder"]["trunk"]["window_block_indexes"])
    ws = hp["image_encoder"]["trunk"]["window_size"]
    return {
        "hidden_dim": hidden, "mem_dim": mem, "obj_ptr_tokens_per_pointer": hidden // mem,
        "sam_image_embedding_size": model.sam_image_embedding_size,
        "low_res_mask_size": 4 * model.sam_image_embedding_size,
        "trunk_channel_list": list(trunk.channel_list),
        "trunk_pos_embed_grid": int(round((trunk.pos_embed.shape[1] - 1) ** 0.5)),
        "trunk_blocks": [{"index": i, "window_size": ws if i in windows else 0}
                         for i in range(len(trunk.blocks))],
        "feature_strides_used": [16],
    }


def inference_settings(fill_hole_area: int = 0) -> dict[str, Any]:
    extra = {"dynamic_multimask_via_stability": True,
             "dynamic_multimask_stability_delta": 0.05,
             "dynamic_multimask_stability_thresh": 0.98}
    return {
        "image_predictor": {"builder": "build_efficienttam (apply_postprocessing=True)",
                            "sam_mask_decoder_extra_args": extra,
                            "binarize_mask_from_pts_for_mem_enc": False, "mask_threshold": 0.0,
                            "max_hole_area": 0.0, "max_sprinkle_area": 0.0},
        "video_predictor": {
            "builder": "build_efficienttam_video_predictor (apply_postprocessing=True, "
                       "vos_optimized=False)",
            "sam_mask_decoder_extra_args": extra, "binarize_mask_from_pts_for_mem_enc": True,
            "fill_hole_area_official_builder": 8,
            "fill_hole_area_used_for_fixtures": fill_hole_area, "non_overlap_masks": False,
            "clear_non_cond_mem_around_input": False,
            "add_all_frames_to_correct_as_cond": False},
    }


def manifest(name: str, overrides: list[str], config_file: str | None = None) -> dict[str, Any]:
    """Build ``name`` with the official code and describe it."""
    from hydra.utils import instantiate

    config_file = config_file or f"configs/efficienttam/{name}.yaml"
    node = compose_model(config_file, ["++model.compile_image_encoder=False", *overrides])
    hp = hyperparameters(node)
    model = instantiate(node, _recursive_=True).eval()
    sd = model.state_dict()
    return {
        "config": name, "config_file": config_file,
        "config_overrides": ["++model.compile_image_encoder=False", *overrides],
        "hyperparameters": hp, "fixed_in_code": fixed_in_code(model),
        "derived": derived(model, hp), "inference_settings": inference_settings(),
        "num_parameters": sum(p.numel() for p in model.parameters()),
        "num_state_dict_tensors": len(sd),
        "num_state_dict_elements": sum(t.numel() for t in sd.values()),
        "state_dict": {k: {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", "")}
                       for k, t in sd.items()},
    }


def main(argv: list[str]) -> None:
    src, out = Path(argv[0]), Path(argv[1])
    setup_official(src)
    (out / "manifest").mkdir(parents=True, exist_ok=True)
    for name in CONFIG_NAMES:
        data = manifest(name, [])
        path = out / "manifest" / f"{name}.json"
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(name, data["num_parameters"], data["num_state_dict_tensors"])


if __name__ == "__main__":
    main(sys.argv[1:])
