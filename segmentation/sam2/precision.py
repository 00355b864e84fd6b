"""The precision SAM 2 runs in: ``"auto"`` picks the fastest one a device runs natively.

bfloat16 more than halves the time on hardware with bfloat16 arithmetic (measured on a 2-core
Xeon with AMX, interleaved in one run: the video tracker 1.9 s/frame vs 4.7 in float32 with
sam2.1_hiera_t, 0.145 vs 0.315 with efficienttam_ti_512x512, see
``benchmarks/bench_tracker.py compare``); without it PyTorch converts bfloat16 to float32 for
the arithmetic, which gains nothing and is often slower (not measured here: every machine we
ran on has AVX512-BF16). The official video predictor runs in bfloat16 autocast on CUDA.
"""

from __future__ import annotations

import sys
from pathlib import Path

#: What a user can choose; "auto" resolves per device with :func:`resolve_precision`.
PRECISIONS: tuple[str, ...] = ("auto", "float32", "bfloat16", "float16")

#: CPU feature flags (Linux ``/proc/cpuinfo``) of native bfloat16 matrix arithmetic.
_BF16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


def cpu_has_native_bf16(cpuinfo: str | Path = "/proc/cpuinfo") -> bool:
    """True when the CPU reports bfloat16 arithmetic (AVX512-BF16 or AMX); False when it
    does not or cannot tell (other systems than Linux)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        text = Path(cpuinfo).read_text(errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            return bool(_BF16_CPU_FLAGS & set(line.partition(":")[2].split()))
    return False


def auto_precision(device: str) -> str:
    """"bfloat16" on CUDA GPUs from Ampere on and on CPUs with native bfloat16, else
    "float32" (older GPUs, Apple MPS, other CPUs)."""
    if device.startswith("cuda"):
        import torch

        index = torch.device(device).index
        major, _ = torch.cuda.get_device_capability(0 if index is None else index)
        return "bfloat16" if major >= 8 else "float32"
    if device == "cpu":
        return "bfloat16" if cpu_has_native_bf16() else "float32"
    return "float32"


def resolve_precision(precision: str, device: str) -> str:
    """The dtype name to run in: ``precision`` itself, or :func:`auto_precision` for "auto"."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}: choose one of "
                         f"{', '.join(PRECISIONS)}")
    return auto_precision(device) if precision == "auto" else precision
