"""``auto`` precision: bfloat16 only where the device runs it natively."""

from __future__ import annotations

import sys

import pytest
import torch

from segmentation.sam2 import precision
from segmentation.sam2.precision import (
    PRECISIONS,
    auto_precision,
    cpu_has_native_bf16,
    resolve_precision,
)

FLAGS = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f {extra}\nbugs\t\t: spectre_v1\n"


@pytest.fixture()
def linux(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")


@pytest.mark.parametrize("extra, native", [("", False), ("avx512_bf16", True),
                                           ("amx_tile amx_bf16", True), ("avx512bw", False)])
def test_cpu_flags(tmp_path, linux, extra, native):
    info = tmp_path / "cpuinfo"
    info.write_text(FLAGS.format(extra=extra))
    assert cpu_has_native_bf16(info) is native


def test_unreadable_or_other_system_means_no(tmp_path, linux, monkeypatch):
    assert cpu_has_native_bf16(tmp_path / "missing") is False
    info = tmp_path / "cpuinfo"
    info.write_text(FLAGS.format(extra="avx512_bf16"))
    monkeypatch.setattr(sys, "platform", "darwin")
    assert cpu_has_native_bf16(info) is False


def test_auto_per_device(monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)
    assert auto_precision("cpu") == "bfloat16"
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: False)
    assert auto_precision("cpu") == "float32"
    assert auto_precision("mps") == "float32"
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda i=0: (8, 0))
    assert auto_precision("cuda") == "bfloat16"  # Ampere and later
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda i=0: (7, 5))
    assert auto_precision("cuda:0") == "float32"  # Turing: bfloat16 is emulated


def test_resolve(monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: False)
    assert resolve_precision("auto", "cpu") == "float32"
    for name in PRECISIONS[1:]:
        assert resolve_precision(name, "cpu") == name
    with pytest.raises(ValueError, match="unknown precision 'half'"):
        resolve_precision("half", "cpu")
