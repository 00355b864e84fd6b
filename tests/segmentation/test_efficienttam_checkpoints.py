"""EfficientTAM configs, builders and checkpoint loading against the official manifests."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import torch

from segmentation.sam2 import CONFIGS, build_sam2, load_sam2
from segmentation.sam2.build import official_shapes
from segmentation.sam2.configs import EFFICIENTTAM_CONFIG_NAMES, SAM2_CONFIG_NAMES
from tests.segmentation.efficienttam_data import VARIANTS, reference_file


def _manifest(name: str) -> dict:
    return json.loads(reference_file("manifest", f"{name}.json").read_text())


def _cheap_checkpoint(path: Path, shapes: dict[str, tuple[int, ...]]) -> None:
    """Checkpoint whose tensors are stride-0 views of one value: right shapes, tiny file."""
    one = torch.zeros(1)
    torch.save({"model": {k: one.expand(*s) for k, s in shapes.items()}}, path)


def test_sixteen_configs_are_listed() -> None:
    assert len(EFFICIENTTAM_CONFIG_NAMES) == 8 and len(SAM2_CONFIG_NAMES) == 8
    assert set(CONFIGS) == set(SAM2_CONFIG_NAMES) | set(EFFICIENTTAM_CONFIG_NAMES)
    assert CONFIGS["efficienttam_s_512x512"].image_size == 512
    assert CONFIGS["efficienttam_ti"].embedding_size == 64


@pytest.mark.parametrize("name", EFFICIENTTAM_CONFIG_NAMES)
def test_config_matches_manifest(name: str) -> None:
    manifest = _manifest(name)
    assert CONFIGS[name].hyperparameters == manifest["hyperparameters"]
    model = build_sam2(name, device="meta")
    sd = model.state_dict()
    assert list(sd) == list(manifest["state_dict"])
    for key, entry in manifest["state_dict"].items():
        assert list(sd[key].shape) == entry["shape"], key
    assert sum(p.numel() for p in model.parameters()) == manifest["num_parameters"]
    assert len(sd) == manifest["num_state_dict_tensors"] == 455


@pytest.mark.parametrize("name", EFFICIENTTAM_CONFIG_NAMES)
def test_official_file_loads_strictly_and_is_detected(tmp_path: Path, name: str) -> None:
    # official file names tell apart the variants whose tensors have the same shapes
    path = tmp_path / f"{name}.pt"
    _cheap_checkpoint(path, {k: tuple(v["shape"])
                             for k, v in _manifest(name)["state_dict"].items()})
    model = load_sam2(path, device="meta")
    assert model.config.name == name
    assert model.image_size == _manifest(name)["hyperparameters"]["image_size"]


def test_unnamed_file_falls_back_to_the_1024_model_and_says_so(tmp_path: Path, caplog) -> None:
    path = tmp_path / "weights.pt"
    _cheap_checkpoint(path, official_shapes("efficienttam_s_2"))
    with caplog.at_level(logging.WARNING):
        model = load_sam2(path, device="meta")
    assert model.config.name == "efficienttam_s"
    assert "efficienttam_s_512x512" in caplog.text and "weights.pt" in caplog.text


def test_sam2_checkpoint_is_not_taken_for_efficienttam(tmp_path: Path) -> None:
    path = tmp_path / "efficienttam_ti.pt"  # misleading name, SAM 2 tensors
    _cheap_checkpoint(path, official_shapes("sam2.1_hiera_t"))
    assert load_sam2(path, device="meta").config.name == "sam2.1_hiera_t"


@pytest.mark.parametrize("variant", VARIANTS)
def test_micro_configs_and_strict_load(variant: str) -> None:
    config = reference_file("micro", f"config_{variant}.json")
    manifest = json.loads(config.read_text())
    model = build_sam2(config, device="meta")
    assert {k: list(v.shape) for k, v in model.state_dict().items()} == {
        k: v["shape"] for k, v in manifest["state_dict"].items()}
    assert sum(p.numel() for p in model.parameters()) == manifest["num_parameters"]
    ckpt = reference_file("micro", "checkpoint.pt")
    loaded = load_sam2(ckpt, config=config)
    ref = torch.load(ckpt, weights_only=True)["model"]
    for key in ("image_encoder.trunk.pos_embed", "image_encoder.neck.convs.0.norm_1.weight"):
        assert torch.equal(loaded.state_dict()[key], ref[key])
    cross = loaded.memory_attention.layers[0].cross_attn_image
    assert getattr(cross, "variant", 0) == {"plain": 0, "pooled1": 1, "pooled2": 2}[variant]
