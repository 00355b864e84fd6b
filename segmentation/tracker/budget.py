"""Host-memory estimate of a tracking run and a warning when it exceeds available RAM."""

from __future__ import annotations

import logging
import os

from segmentation.tracker.settings import ModelSettings, TrackerOptions

_LOG = logging.getLogger(__name__)


def available_ram_bytes() -> int | None:
    """MemAvailable on Linux; free physical pages elsewhere; None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def frame_feature_bytes(s: ModelSettings, dtype_bytes: int) -> int:
    """Image features of one frame: top level + position, plus the two high-res decoder
    levels when the model uses them (SAM 2; EfficientTAM has none)."""
    side = s.image_size // 16
    c = s.hidden_dim
    elements = 2 * c * side * side
    if s.use_high_res_features:
        elements += (c // 8) * (4 * side) ** 2 + (c // 4) * (2 * side) ** 2
    return elements * dtype_bytes


def output_bytes(s: ModelSettings) -> int:
    """One stored per-object output: bf16 memory + float32 low-res logits + pointer."""
    side = s.image_size // 16
    return s.mem_dim * side * side * 2 + s.low_res_size**2 * 4 + s.hidden_dim * 4


def estimate_bytes(s: ModelSettings, options: TrackerOptions, num_frames: int,
                   num_objects: int, num_cond_frames: int, dtype_bytes: int) -> int:
    """Upper estimate of the tracker's host memory for a pass over ``num_frames``."""
    features = min(options.feature_cache_mb * 2**20,
                   num_frames * frame_feature_bytes(s, dtype_bytes))
    results = min(options.result_cache_mb * 2**20, num_frames * num_objects * output_bytes(s))
    if options.memory == "full":
        stored = num_frames
    else:
        stored = s.lookback_frames + 1 + num_cond_frames * (2 * s.lookback_frames + 1)
    bank = num_objects * min(stored, num_frames) * output_bytes(s)
    return int(features + results + bank)


def warn_if_short(needed_bytes: int, frame_count: int) -> bool:
    """Log a warning (and return True) when the estimate exceeds the available RAM."""
    available = available_ram_bytes()
    if available is None or needed_bytes <= available:
        return False
    _LOG.warning(
        "Tracking %d frames needs about %.0f MB but only %.0f MB of RAM is available; "
        "lower feature_cache_mb/result_cache_mb or close other programs",
        frame_count, needed_bytes / 2**20, available / 2**20,
    )
    return True
