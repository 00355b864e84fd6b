"""Which tracking engine to build for a project: SAM 2 with installed weights, or offline.

Qt-free; called on the engine worker thread (building SAM 2 is slow)."""

from __future__ import annotations

import inspect
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from segmentation.sam2.precision import resolve_precision

log = logging.getLogger(__name__)


class NoWeightsError(RuntimeError):
    """SAM 2 was asked for but no checkpoint is installed."""

    user_error = True


@dataclass(frozen=True)
class InstalledCheckpoint:
    """A checkpoint file in the models folder; ``name`` is the registry name."""

    name: str
    path: Path
    size_bytes: int


def installed_checkpoints() -> list[InstalledCheckpoint]:
    """Registered checkpoints present in ``segmentation.weights.models_dir()``."""
    from segmentation.weights import CHECKPOINTS, models_dir

    folder = models_dir()
    out = []
    for ckpt in CHECKPOINTS:
        path = folder / ckpt.file_name
        if path.exists():
            out.append(InstalledCheckpoint(ckpt.name, path, path.stat().st_size))
    return out


def available_devices() -> list[str]:
    """"cpu" plus "cuda"/"mps" when torch reports them."""
    import torch

    devices = ["cpu"]
    if torch.cuda.is_available():
        devices.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append("mps")
    return devices


def resolve_device(device: str) -> str:
    return available_devices()[-1] if device == "auto" else device


def _call_with(func, *args, **options):
    names = inspect.signature(func).parameters
    return func(*args, **{k: v for k, v in options.items() if k in names})


_MODELS: dict[tuple[str, str, str], object] = {}
_MODELS_LOCK = threading.Lock()


def shared_sam2(settings):
    """The SAM 2 model for ``settings`` (installed checkpoint, device, dtype), loaded once and
    shared by the tracker and "Find objects" so the weights sit in memory once.

    Returns ``(model, checkpoint name)``; raises :class:`NoWeightsError` when no checkpoint
    is installed. Thread-safe (both callers run on worker threads)."""
    import torch

    from segmentation.sam2 import load_sam2

    installed = installed_checkpoints()
    match = [c for c in installed if c.name == settings.model_name] or installed
    if not match:
        raise NoWeightsError("no SAM 2 checkpoint is installed — download one "
                             "(Track ▸ Model settings) or use the offline engine")
    device = resolve_device(settings.device)
    precision = resolve_precision(settings.dtype, device)
    key = (str(match[0].path), device, precision)
    with _MODELS_LOCK:
        if key not in _MODELS:
            _MODELS.clear()  # a different checkpoint/device replaces the old one
            _MODELS[key] = _call_with(load_sam2, match[0].path, device=device,
                                      dtype=getattr(torch, precision))
        return _MODELS[key], match[0].name


def make_engine(source_path: Path | str, settings, model=None):
    """Build the engine for ``settings`` (:class:`editor.model.project.EngineSettings`).

    ``model``: an already built SAM 2 model (tests pass a tiny random-weight one).
    Returns ``(engine, description)``. Raises :class:`NoWeightsError` when SAM 2 is chosen
    and its checkpoint is not installed."""
    from rendering.media import open_source

    frames = open_source(source_path)
    if settings.engine == "offline" and model is None:
        from segmentation.offline import OfflineTracker

        return OfflineTracker(frames), "Offline (no weights)"

    from segmentation.tracker import VideoTracker

    if model is None:
        model, name = shared_sam2(settings)  # on the device and in the precision chosen
    else:
        name = "custom model"
    tracker = VideoTracker(model, frames)
    weights = next(model.parameters())
    precision = str(weights.dtype).removeprefix("torch.")
    auto = " auto" if settings.dtype == "auto" else ""
    return tracker, f"SAM 2 {name} ({weights.device.type}, {precision}{auto})"
