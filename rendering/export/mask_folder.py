"""Mask sources and sinks for folders of 8-bit mask PNGs (the layout ``track`` writes).

Layout: ``DIR/<object_id>/<frame_index:05d>.png``, grey (or any) 8-bit image, 0 outside,
soft values allowed; read as H×W float32 in [0, 1] (value / 255).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from pathlib import Path

import cv2
import numpy as np

from rendering.errors import MediaError
from rendering.media import atomic, outputs


class FolderMaskSource:
    """``read(object_id, frame_index) -> H×W float32 [0, 1] | None`` over a mask folder.

    The last ``cache_masks`` masks read are kept (temporal effects read each mask up to
    2·radius + 1 times); returned arrays are read-only. Thread-safe.

    ``frame_size`` (width, height): the size of the video these masks belong to; a mask of
    another size is an error (masks of another clip), not a silently stretched mask. When
    the folder has ``track``'s ``summary.json``, a frame inside its tracked range without a
    mask file is an error (deleted or interrupted), not an empty mask.
    """

    def __init__(self, folder: Path | str, cache_masks: int = 48,
                 frame_size: tuple[int, int] | None = None) -> None:
        self._cache: OrderedDict[tuple[int, int], np.ndarray | None] = OrderedDict()
        self._cache_masks = cache_masks
        self._lock = threading.Lock()
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise MediaError(f"{self.folder}: mask folder not found — pass the folder "
                             "written by `masklet track`")
        ids = [int(p.name) for p in self.folder.iterdir() if p.is_dir() and p.name.isdigit()]
        if not ids:
            raise MediaError(f"{self.folder}: no object folders (<object_id>/00000.png) — "
                             "pass the folder written by `masklet track`")
        self.object_ids: tuple[int, ...] = tuple(sorted(ids))
        self.frame_size = frame_size
        self.tracked = _tracked_range(self.folder)

    def read(self, object_id: int, frame_index: int) -> np.ndarray | None:
        key = (object_id, frame_index)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        mask = self._load(object_id, frame_index)
        if mask is not None:
            mask.setflags(write=False)
        with self._lock:
            self._cache[key] = mask
            while len(self._cache) > self._cache_masks:
                self._cache.popitem(last=False)
        return mask

    def _load(self, object_id: int, frame_index: int) -> np.ndarray | None:
        path = self.folder / str(object_id) / f"{frame_index:05d}.png"
        if frame_index < 0 or not path.is_file():
            if self.tracked is not None and object_id in self.tracked[2] and \
                    self.tracked[0] <= frame_index < self.tracked[1]:
                raise MediaError(f"{path}: mask missing although {self.folder} says frames "
                                 f"{self.tracked[0]}..{self.tracked[1] - 1} were tracked — "
                                 "re-run `masklet track` into that folder")
            return None
        data = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if data is None:
            raise MediaError(f"{path}: cannot read the mask image — re-run `masklet track`")
        if self.frame_size is not None and (data.shape[1], data.shape[0]) != self.frame_size:
            w, h = self.frame_size
            raise MediaError(f"{path}: the mask is {data.shape[1]}×{data.shape[0]} but the "
                             f"video is {w}×{h} — these masks belong to another clip; pass "
                             "the folder `masklet track` wrote for this video")
        if data.ndim == 3:
            data = data[..., 3] if data.shape[2] == 4 else data.max(axis=2)
        scale = 65535.0 if data.dtype == np.uint16 else 255.0
        return data.astype(np.float32) / scale


def _tracked_range(folder: Path) -> tuple[int, int, frozenset[int]] | None:
    """``(start, end, object ids)`` that ``track``'s ``summary.json`` says were written
    (every frame of ``[start, end)`` for each object), or None without a usable summary."""
    path = folder / "summary.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        frames = data["frames"]
        ids = frozenset(int(o["id"]) for o in data["objects"]
                        if o.get("first_prompt_frame") is not None)
        return int(frames["start"]), int(frames["end"]), ids
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MediaError(f"{path}: unreadable track summary ({exc}) — re-run `masklet "
                         "track` into that folder") from None


class MaskFolderSink:
    """Writes masks as ``<temp>/<object_id>/<index:05d>.png``; ``commit`` renames the folder."""

    def __init__(self, final: Path) -> None:
        self.final = final
        if not final.parent.is_dir():
            raise MediaError(f"{final}: the folder does not exist — choose an existing one")
        atomic.remove_stale_partials(final)
        self.temp = atomic.temp_sibling(final)
        try:
            self.temp.mkdir()
        except OSError as exc:
            raise atomic.translate_os_error(exc, final) from exc
        self.count = 0

    def write(self, masks: dict[int, np.ndarray], index: int) -> None:
        """``masks``: object id → H×W float32 [0, 1]; ``index``: output frame index."""
        try:
            self._write(masks, index)
        except OSError as exc:
            raise atomic.translate_os_error(exc, self.final) from exc
        self.count += 1

    def _write(self, masks: dict[int, np.ndarray], index: int) -> None:
        for object_id, m in masks.items():
            folder = self.temp / str(object_id)
            folder.mkdir(exist_ok=True)
            data = np.clip(m * 255.0 + 0.5, 0, 255).astype(np.uint8)
            ok, buf = cv2.imencode(".png", data)
            if not ok:
                raise MediaError(f"{self.final}: PNG encoding failed")
            (folder / f"{index:05d}.png").write_bytes(buf.tobytes())

    def commit(self) -> None:
        try:
            atomic.commit(self.temp, self.final, outputs.MASKS)
        except OSError as exc:
            self.abort()
            raise atomic.translate_os_error(exc, self.final) from exc

    def abort(self) -> None:
        atomic.discard(self.temp)
