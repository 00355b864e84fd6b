"""Registry of official checkpoints, cache folder rules, and verification of installed files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from segmentation.weights import (
    CHECKPOINTS,
    UnknownModelError,
    get_checkpoint,
    models_dir,
    read_record,
    verify_installed,
)
from segmentation.weights.cache import write_record
from segmentation.weights.verify import sha256_file
from tests.segmentation.efficienttam_data import reference_file


def test_registry_has_the_sixteen_official_checkpoints():
    names = [c.name for c in CHECKPOINTS]
    assert len(set(names)) == 16
    tiny = get_checkpoint("sam2.1_hiera_tiny")
    assert tiny.url == "https://dl.fbaipublicfiles.com/segment_anything_2/092824/sam2.1_hiera_tiny.pt"
    assert tiny.config == "sam2.1_hiera_t" and tiny.num_tensors == 471
    large = get_checkpoint("sam2_hiera_large")
    assert large.url == "https://dl.fbaipublicfiles.com/segment_anything_2/072824/sam2_hiera_large.pt"
    assert get_checkpoint("sam2.1_hiera_b+").name == "sam2.1_hiera_base_plus"
    assert 150e6 < tiny.approx_size_bytes < 160e6
    # SAM 2.1 has three tensors more than 2.0 for every size
    for size in ("tiny", "small", "base_plus", "large"):
        assert (get_checkpoint(f"sam2.1_hiera_{size}").num_tensors
                == get_checkpoint(f"sam2_hiera_{size}").num_tensors + 3)


def test_unknown_name_lists_the_choices():
    with pytest.raises(UnknownModelError, match="sam2.1_hiera_tiny") as info:
        get_checkpoint("sam3_giant")
    assert type(info.value).user_error is True


def test_models_dir_env_override_and_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("MASKLET_MODELS_DIR", str(tmp_path / "m"))
    assert models_dir() == tmp_path / "m"
    monkeypatch.delenv("MASKLET_MODELS_DIR")
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert models_dir() == tmp_path / "xdg" / "masklet" / "models"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert models_dir() == Path.home() / ".cache" / "masklet" / "models"


def _accept_all(path, checkpoint):
    return None


def test_verify_installed_records_then_detects_changes(tmp_path):
    ckpt = get_checkpoint("sam2.1_hiera_small")
    assert verify_installed(ckpt, tmp_path, _accept_all).status == "missing"
    path = tmp_path / ckpt.file_name
    path.write_bytes(b"weights" * 1000)
    first = verify_installed(ckpt, tmp_path, _accept_all)
    assert first.status == "recorded" and read_record(path).sha256 == sha256_file(path)
    assert verify_installed(ckpt, tmp_path, _accept_all).status == "ok"
    data = bytearray(path.read_bytes())
    data[10] ^= 0xFF  # same size, different bytes
    path.write_bytes(bytes(data))
    report = verify_installed(ckpt, tmp_path, _accept_all)
    assert report.status == "mismatch" and "sha256" in report.detail and not report.ok
    path.write_bytes(b"short")
    assert "size" in verify_installed(ckpt, tmp_path, _accept_all).detail


def test_record_is_written_atomically_next_to_the_weights(tmp_path):
    path = tmp_path / "x.pt"
    path.write_bytes(b"abc")
    write_record(path, "x", sha256_file(path), "http://u")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.pt", "x.pt.json"]


def test_state_dict_check_counts_tensors_of_an_official_format_file(tmp_path):
    import torch

    from segmentation.weights import Checkpoint, VerificationError
    from segmentation.weights.verify import _check_state_dict_size

    ckpt = Checkpoint("tiny-test", "micro", "http://x", 10, 2)
    good = tmp_path / "good.pt"
    torch.save({"model": {"a": torch.zeros(2), "b": torch.ones(3)}}, good)
    _check_state_dict_size(good, ckpt)
    wrong = tmp_path / "wrong.pt"
    torch.save({"model": {"a": torch.zeros(2)}}, wrong)
    with pytest.raises(VerificationError, match="expected 2 tensors"):
        _check_state_dict_size(wrong, ckpt)
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"<html>404</html>")
    with pytest.raises(VerificationError, match="garbage.pt"):
        _check_state_dict_size(garbage, ckpt)


def test_efficienttam_entries_load_with_their_own_configs():
    from segmentation.sam2 import CONFIGS
    from segmentation.sam2.configs import EFFICIENTTAM_CONFIG_NAMES

    etam = [c for c in CHECKPOINTS if c.family == "EfficientTAM"]
    assert [c.name for c in etam] == list(EFFICIENTTAM_CONFIG_NAMES)
    for ckpt in etam:
        # the file stem is the config name: loading tells same-shape variants apart by it
        assert ckpt.config == ckpt.name == ckpt.file_name[:-3] and ckpt.config in CONFIGS
        assert ckpt.url == ("https://huggingface.co/yunyangx/efficient-track-anything/resolve/"
                            f"main/{ckpt.name}.pt")
        assert ckpt.licence == "Apache-2.0" and ckpt.num_tensors == 455
        manifest = json.loads(reference_file("manifest", f"{ckpt.config}.json").read_text())
        assert ckpt.num_parameters == manifest["num_parameters"]
        assert ckpt.num_tensors == manifest["num_state_dict_tensors"]
    s512 = get_checkpoint("efficienttam_s_512x512")
    assert s512.num_parameters == 34_055_842 and 135e6 < s512.approx_size_bytes < 140e6
    assert 70e6 < get_checkpoint("efficienttam_ti_512x512").approx_size_bytes < 73e6
    assert all(c.licence == "Apache-2.0" for c in CHECKPOINTS)
