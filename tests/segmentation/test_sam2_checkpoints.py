"""SAM 2 configs, builders and checkpoint loading against the official manifests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from segmentation.errors import CheckpointError, ConfigError
from segmentation.sam2 import CONFIGS, build_sam2, load_sam2
from segmentation.sam2.build import official_shapes
from segmentation.sam2.checkpoint import save_checkpoint
from segmentation.sam2.configs import SAM2_CONFIG_NAMES as CONFIG_NAMES


def _manifest(ref: Path, name: str) -> dict:
    return json.loads((ref / "manifest" / f"{name}.json").read_text())


def _cheap_checkpoint(path: Path, shapes: dict[str, tuple[int, ...]]) -> None:
    """Checkpoint whose tensors are stride-0 views of one value: right shapes, tiny file."""
    one = torch.zeros(1)
    sd = {k: one.expand(*s) if s else one.reshape(()) for k, s in shapes.items()}
    torch.save({"model": sd}, path)


def test_eight_configs_are_listed() -> None:
    assert set(CONFIG_NAMES) <= set(CONFIGS) and len(CONFIG_NAMES) == 8
    assert CONFIGS["sam2.1_hiera_l"].hyperparameters["image_encoder"]["trunk"]["embed_dim"] == 144


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_config_matches_manifest(sam2_reference: Path, name: str) -> None:
    manifest = _manifest(sam2_reference, name)
    assert CONFIGS[name].hyperparameters == manifest["hyperparameters"]
    model = build_sam2(name, device="meta")
    sd = model.state_dict()
    assert list(sd) == list(manifest["state_dict"])
    for key, entry in manifest["state_dict"].items():
        assert list(sd[key].shape) == entry["shape"], key
    assert sum(p.numel() for p in model.parameters()) == manifest["num_parameters"]
    assert len(sd) == manifest["num_state_dict_tensors"]


def test_micro_config_and_strict_load(sam2_reference: Path) -> None:
    micro = sam2_reference / "micro"
    manifest = json.loads((micro / "config.json").read_text())
    model = build_sam2(micro / "config.json", device="meta")
    assert {k: list(v.shape) for k, v in model.state_dict().items()} == {
        k: v["shape"] for k, v in manifest["state_dict"].items()}
    assert sum(p.numel() for p in model.parameters()) == manifest["num_parameters"] == 1377594
    loaded = load_sam2(micro / "checkpoint.pt", config=micro / "config.json")
    ref = torch.load(micro / "checkpoint.pt", weights_only=True)["model"]
    key = "sam_mask_decoder.pred_obj_score_head.layers.2.bias"
    assert torch.equal(loaded.state_dict()[key], ref[key])


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_config_detected_from_shapes(tmp_path: Path, name: str) -> None:
    path = tmp_path / "ckpt.pt"
    _cheap_checkpoint(path, official_shapes(name))
    model = load_sam2(path, device="meta")
    assert model.config.name == name


def test_round_trip_random_micro(sam2_reference: Path, tmp_path: Path) -> None:
    config = sam2_reference / "micro" / "config.json"
    torch.manual_seed(0)
    model = build_sam2(config)
    save_checkpoint(model, tmp_path / "m.pt")
    again = load_sam2(tmp_path / "m.pt", config=config)
    x = torch.randn(1, 3, 256, 256)
    with torch.no_grad():
        a, b = model.encode_image(x), again.encode_image(x)
    assert torch.equal(a.vision_features, b.vision_features)
    assert a.vision_features.abs().mean() > 0


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="not found") as info:
        load_sam2(tmp_path / "nope.pt")
    assert info.value.user_error


def test_not_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "x.pt"
    path.write_text("hello")
    with pytest.raises(CheckpointError, match="x.pt"):
        load_sam2(path)


def test_truncated_checkpoint(sam2_reference: Path, tmp_path: Path) -> None:
    data = (sam2_reference / "micro" / "checkpoint.pt").read_bytes()
    path = tmp_path / "cut.pt"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated"):
        load_sam2(path, config=sam2_reference / "micro" / "config.json")


def test_other_models_checkpoint_names_it(tmp_path: Path) -> None:
    path = tmp_path / "tiny.pt"
    _cheap_checkpoint(path, official_shapes("sam2.1_hiera_t"))
    with pytest.raises(CheckpointError, match="looks like sam2.1_hiera_t") as info:
        load_sam2(path, config="sam2.1_hiera_s", device="meta")
    assert "missing keys" in str(info.value)


def test_missing_and_unexpected_keys_listed(tmp_path: Path) -> None:
    shapes = dict(official_shapes("sam2_hiera_t"))
    del shapes["no_mem_embed"]
    shapes["extra.weight"] = (3,)
    path = tmp_path / "bad.pt"
    _cheap_checkpoint(path, shapes)
    with pytest.raises(CheckpointError) as info:
        load_sam2(path, device="meta")
    text = str(info.value)
    assert "missing keys: no_mem_embed" in text and "unexpected keys: extra.weight" in text
    assert "sam2_hiera_t" in text


def test_unknown_config_name() -> None:
    with pytest.raises(ConfigError, match="sam2.1_hiera_t"):
        build_sam2("sam3_hiera_xl", device="meta")
