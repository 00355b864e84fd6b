"""Load official SAM 2 and EfficientTAM checkpoints (``{"model": state_dict}``) strictly,
detecting the config.

Detection compares the checkpoint's key set and tensor shapes with the sixteen official
configs: sizes differ in trunk depth/width, SAM 2.1 has three extra tensors, EfficientTAM has a
ViT trunk; EfficientTAM's variants of one size share all shapes and are told apart by the
official file name.
"""

from __future__ import annotations

import logging
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from segmentation.errors import CheckpointError
from segmentation.sam2.build import ConfigLike, config_shapes, official_shapes
from segmentation.sam2.config import SAM2Config, resolve_config
from segmentation.sam2.configs import CONFIG_NAMES
from segmentation.sam2.model import SAM2Model

logger = logging.getLogger(__name__)

_MAX_LISTED = 8


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of a checkpoint file (``{"model": sd}`` or a bare state dict), on CPU."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint file not found; download it with "
                              "'masklet models' or give the right path")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile, ValueError,
            OSError, KeyError, IndexError, TypeError, AttributeError) as exc:
        # unpickling arbitrary bytes can fail with any of these; torch's messages run to
        # several paragraphs, so the one-line error keeps only the gist
        raise CheckpointError(f"{path}: not a readable SAM 2 checkpoint (truncated or "
                              f"another file type: {_gist(exc)}); download it again") from exc
    sd = data.get("model", data) if isinstance(data, dict) else None
    if not isinstance(sd, dict) or not sd or not all(
            isinstance(v, torch.Tensor) for v in sd.values()):
        raise CheckpointError(f"{path}: not a SAM 2 checkpoint (no state dict of tensors)")
    return sd


def _gist(exc: BaseException) -> str:
    """A one-line description of a load failure (torch's run to several paragraphs)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    for i, line in enumerate(lines[:-1]):
        if line.lower().endswith("error:"):  # the unpickler names the real problem next
            tail = line[line.rfind(":", 0, len(line) - 1) + 1:].strip()  # after the advice
            return f"{tail} {lines[i + 1]}"[:160]
    first = lines[0].split(". ")[0] if lines else ""
    return f"{type(exc).__name__}: {first[:160]}" if first else type(exc).__name__


def _shapes(sd: dict[str, torch.Tensor]) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in sd.items()}


def _mismatch(found: dict[str, tuple[int, ...]],
              expected: dict[str, tuple[int, ...]]) -> tuple[list[str], list[str], list[str]]:
    missing = [k for k in expected if k not in found]
    unexpected = [k for k in found if k not in expected]
    wrong = [k for k in expected if k in found and found[k] != expected[k]]
    return missing, unexpected, wrong


def _pick_by_file_name(names: list[str], file_name: str | None) -> str:
    """Among configs with identical tensor shapes, the one the file is named after.

    EfficientTAM's 1024, 512 and pooled-attention variants of one size share every shape, so
    the official file name (``efficienttam_ti_512x512.pt``...) decides; the longest config
    name contained in it wins, else the first (the plain 1024-pixel model).
    """
    stem = (file_name or "").lower()
    named = [n for n in names if n in stem]
    choice = max(named, key=len) if named else names[0]
    if not named:
        logger.warning("%s: tensor shapes fit %s; assuming %s (name the file after its "
                       "config or pass the config)", file_name, ", ".join(names), choice)
    return choice


def closest_official_config(sd: dict[str, torch.Tensor],
                            file_name: str | None = None) -> tuple[str, bool]:
    """(name, exact) of the official config that fits the checkpoint best.

    ``file_name`` separates configs whose tensors have the same shapes (see
    :func:`_pick_by_file_name`).
    """
    found = _shapes(sd)
    best, best_bad = CONFIG_NAMES[0], None
    exact: list[str] = []
    for name in CONFIG_NAMES:
        missing, unexpected, wrong = _mismatch(found, official_shapes(name))
        bad = len(missing) + len(unexpected) + len(wrong)
        if bad == 0:
            exact.append(name)
        elif best_bad is None or bad < best_bad:
            best, best_bad = name, bad
    if exact:
        return _pick_by_file_name(exact, file_name), True
    return best, False


def _listing(label: str, keys: list[str]) -> str:
    if not keys:
        return ""
    more = f" (+{len(keys) - _MAX_LISTED} more)" if len(keys) > _MAX_LISTED else ""
    return f"; {label}: {', '.join(keys[:_MAX_LISTED])}{more}"


def _check(path: Path, sd: dict[str, torch.Tensor], config: SAM2Config) -> None:
    missing, unexpected, wrong = _mismatch(_shapes(sd), config_shapes(config))
    if not (missing or unexpected or wrong):
        return
    name, exact = closest_official_config(sd, path.name)
    looks = f"it looks like {name}" if exact else f"closest official config: {name}"
    raise CheckpointError(
        f"{path}: checkpoint does not fit config {config.name} ({looks}); pass the matching "
        f"config or checkpoint" + _listing("missing keys", missing)
        + _listing("unexpected keys", unexpected) + _listing("wrong shapes", wrong)
    )


def load_sam2(checkpoint_path: str | Path, config: ConfigLike | None = None,
              device: str | torch.device = "cpu",
              dtype: torch.dtype = torch.float32) -> SAM2Model:
    """Load a checkpoint strictly into a model (eval mode) on ``device`` in ``dtype``.

    When ``config`` is None it is detected from the tensor shapes among the 16 official configs
    (SAM 2 and EfficientTAM; the file name separates EfficientTAM variants of equal shapes).
    Raises :class:`CheckpointError` (a user error) for every problem with the file.
    """
    path = Path(checkpoint_path)
    sd = read_state_dict(path)
    if config is None:
        name, exact = closest_official_config(sd, path.name)
        if not exact:
            config = name  # _check below lists what differs
        else:
            logger.info("%s: detected config %s", path, name)
            config = name
    cfg = resolve_config(config)
    _check(path, sd, cfg)
    with torch.device("meta"):
        model = SAM2Model(cfg)
    model.load_state_dict(sd, strict=True, assign=True)
    return model.to(device=device, dtype=dtype).eval()


def save_checkpoint(model: SAM2Model, path: str | Path) -> None:
    """Write ``{"model": state_dict}`` (official format) atomically."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    torch.save({"model": model.state_dict()}, tmp)
    tmp.replace(path)


def describe(sd: dict[str, Any], file_name: str | None = None) -> str:
    """One line naming the official config a state dict belongs to (for ``models verify``)."""
    name, exact = closest_official_config(sd, file_name)
    return name if exact else f"unknown (closest: {name})"
