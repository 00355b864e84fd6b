"""Which tracking engine to build: SAM 2 (checkpoint, device, precision) or the offline one.

One place for the window and the command line. Qt-free; the window calls it on the engine
worker thread (building SAM 2 is slow)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from segmentation.sam2.precision import resolve_precision

log = logging.getLogger(__name__)

#: What the window says to do without weights (the command line passes its own advice).
WINDOW_ADVICE = "download one (Track ▸ Model settings) or use the offline engine"


class EngineSetupError(RuntimeError):
    """The engine cannot be built as asked (the message says what to change)."""

    user_error = True


class NoWeightsError(EngineSetupError):
    """SAM 2 was asked for but its checkpoint is not installed."""


@dataclass(frozen=True)
class InstalledCheckpoint:
    """A checkpoint file in the models folder; ``name`` is the registry name."""

    name: str
    path: Path
    size_bytes: int


def installed_checkpoints() -> list[InstalledCheckpoint]:
    """Registered checkpoints present in ``segmentation.weights.models_dir()``, in the
    registry's order."""
    from segmentation.weights import CHECKPOINTS, models_dir

    folder = models_dir()
    out = []
    for ckpt in CHECKPOINTS:
        path = folder / ckpt.file_name
        if path.is_file():
            out.append(InstalledCheckpoint(ckpt.name, path, path.stat().st_size))
    return out


def choose_checkpoint(name: str | None = None, path: Path | str | None = None,
                      exact: bool = False, advice: str = WINDOW_ADVICE) -> tuple[Path, str]:
    """``(checkpoint file, name)``: the file ``path``; else the installed checkpoint ``name``
    (with ``exact``, only that one), else the first one installed.

    Raises :class:`NoWeightsError` (message ends with ``advice``) when none fits."""
    from segmentation.weights import get_checkpoint, models_dir

    if path is not None:
        path = Path(path).expanduser()
        if not path.is_file():
            raise NoWeightsError(f"checkpoint {path} does not exist; {advice}")
        return path, path.stem
    installed = installed_checkpoints()
    match = [c for c in installed if c.name == name]
    if exact and name and not match:
        get_checkpoint(name)  # an unknown name says which names exist
        raise NoWeightsError(f"model {name} is not installed in {models_dir()}; {advice}")
    chosen = (match or installed)[:1]
    if not chosen:
        raise NoWeightsError(f"no model checkpoint is installed in {models_dir()} — {advice}")
    return chosen[0].path, chosen[0].name


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


def resolve_device(device: str | None) -> str:
    """``"auto"`` or None → the fastest device here; "cuda" without a CUDA GPU is an
    :class:`EngineSetupError`."""
    if device in (None, "auto"):
        return available_devices()[-1]
    if device == "cuda" and "cuda" not in available_devices():
        raise EngineSetupError("device cuda: no CUDA GPU is available here; use the cpu")
    return device


def sidecar_config(path: Path) -> Path | None:
    """A custom model's config stored beside its checkpoint: ``<stem>.json``, else
    ``config.json``."""
    for candidate in (path.with_suffix(".json"), path.with_name("config.json")):
        if candidate.is_file():
            return candidate
    return None


def load_model(path: Path, device: str, precision: str):
    """Load a checkpoint strictly on ``device`` in ``precision`` ("float32", "bfloat16",
    "float16"): an official config detected from its tensor shapes, or, for a custom model,
    the config JSON beside it (see :func:`sidecar_config`)."""
    import torch

    from segmentation import sam2
    from segmentation.errors import CheckpointError, ConfigError

    dtype = getattr(torch, precision)
    try:
        return sam2.load_sam2(path, device=device, dtype=dtype)
    except CheckpointError as exc:
        if "does not fit config" not in str(exc):
            raise  # missing or unreadable file: one line naming it
        config = sidecar_config(path)
        if config is None:
            raise EngineSetupError(
                f"{exc}. A custom model needs its config JSON beside the checkpoint "
                f"({path.with_suffix('.json').name} or config.json)") from None
    try:
        return sam2.load_sam2(path, config=config, device=device, dtype=dtype)
    except ConfigError as exc:
        raise EngineSetupError(f"{config}: not a usable config for checkpoint {path} "
                               f"({exc})") from None


_MODELS: dict[tuple[str, str, str], object] = {}
_MODELS_LOCK = threading.Lock()


def shared_sam2(settings):
    """The SAM 2 model for ``settings`` (:class:`editor.model.project.EngineSettings`:
    installed checkpoint, device, dtype), loaded once and shared by the tracker and "Find
    objects" so the weights sit in memory once.

    Returns ``(model, checkpoint name)``; raises :class:`NoWeightsError` when no checkpoint
    is installed. Thread-safe (both callers run on worker threads)."""
    path, name = choose_checkpoint(settings.model_name)
    device = resolve_device(settings.device)
    precision = resolve_precision(settings.dtype, device)
    key = (str(path), device, precision)
    with _MODELS_LOCK:
        if key not in _MODELS:
            _MODELS.clear()  # a different checkpoint/device replaces the old one
            _MODELS[key] = load_model(path, device, precision)
        return _MODELS[key], name


def build_tracker(engine: str, frames, model=None):
    """The tracking engine over ``frames`` (a frame source): ``"offline"`` (no weights) or
    SAM 2's :class:`~segmentation.tracker.VideoTracker` over ``model``, its logits enlarged
    to the video as :func:`~segmentation.upsample.default_upsample` says for the model."""
    if engine == "offline":
        from segmentation.offline import OfflineTracker

        return OfflineTracker(frames)
    from segmentation.tracker import VideoTracker
    from segmentation.upsample import default_upsample

    return VideoTracker(model, frames, upsample=default_upsample(model.image_size // 4))


def make_engine(source_path: Path | str, settings, model=None):
    """The window's engine for ``settings`` (:class:`editor.model.project.EngineSettings`).

    ``model``: an already built SAM 2 model (tests pass a tiny random-weight one).
    Returns ``(engine, description)``; the description ends with "; <note>" when the
    project's model is not installed and another installed one stands in. Raises
    :class:`NoWeightsError` when SAM 2 is chosen and no checkpoint is installed."""
    from rendering.media import open_source

    frames = open_source(source_path)
    if settings.engine == "offline" and model is None:
        return build_tracker("offline", frames), "Offline (no weights)"
    note = ""
    if model is None:
        model, name = shared_sam2(settings)  # on the device and in the precision chosen
        family = _family(name)
        if name != settings.model_name:  # the project's model is not on this machine
            note = (f"; the project's model {settings.model_name} is not installed, tracking "
                    f"with {name} — download it in Track ▸ Model settings")
    else:
        family, name = "SAM 2", "custom model"
    weights = next(model.parameters())
    precision = str(weights.dtype).removeprefix("torch.")
    auto = " auto" if settings.dtype == "auto" else ""
    return (build_tracker("sam2", frames, model),
            f"{family} {name} ({weights.device.type}, {precision}{auto}){note}")


def _family(name: str) -> str:
    """"SAM 2" or "EfficientTAM" for a registry name; "SAM 2" for a file of another name."""
    from segmentation.weights import get_checkpoint
    from segmentation.weights.errors import UnknownModelError

    try:
        return get_checkpoint(name).family
    except UnknownModelError:
        return "SAM 2"
