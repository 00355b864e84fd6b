"""Files of the model's low-res logits in a masklet store (see :mod:`editor.model.store`).

Only prompted frames keep them (what replaying a prompt needs): a quarter of the model's input
side (SAM 2's 256×256 float32, 256 KiB a frame and object; EfficientTAM-512's 128×128), so on
every tracked frame they were most of a project's size. Any h×w is stored as given.
They are stored losslessly compressed as ``lowres/<object_id>/<frame_index:06d>.npz``
(key ``logits``); ``.npy`` files of older projects are still read, and replaced or removed
when the frame is written again or pruned.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

FOLDER = "lowres"  # one of the store's OWNED_FOLDERS
SUFFIX = ".npz"
#: Uncompressed files written by older versions (read, never written).
LEGACY_SUFFIX = ".npy"


def paths(root: Path, object_id: int, frame_index: int) -> tuple[Path, Path]:
    """(the compressed file, the legacy uncompressed one) of one object and frame."""
    stem = root / FOLDER / str(int(object_id)) / f"{int(frame_index):06d}"
    return stem.with_suffix(SUFFIX), stem.with_suffix(LEGACY_SUFFIX)


def encode(logits: np.ndarray) -> bytes:
    """h×w float32 logits → the bytes of a compressed ``.npz`` (lossless)."""
    buf = io.BytesIO()
    np.savez_compressed(buf, logits=np.asarray(logits, np.float32))
    return buf.getvalue()


def read(root: Path, object_id: int, frame_index: int) -> np.ndarray | None:
    """h×w float32 logits stored for the object and frame, or None."""
    new, legacy = paths(root, object_id, frame_index)
    if new.exists():
        with np.load(new, allow_pickle=False) as data:
            return data["logits"]
    return np.load(legacy, allow_pickle=False) if legacy.exists() else None


def _names(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []


def stored(root: Path) -> dict[int, set[int]]:
    """Object id → frames that have low-res logits on disk (either format)."""
    out: dict[int, set[int]] = {}
    for name in _names(root / FOLDER):
        if name.isdigit():
            frames = {int(n[:-4]) for n in _names(root / FOLDER / name)
                      if n[:-4].isdigit() and n[-4:] in (SUFFIX, LEGACY_SUFFIX)}
            out[int(name)] = frames
    return out
