"""The masklet store: every object's masks on disk, written frame by frame.

Layout of the sidecar folder (``<project>.masklet.d/``)::

    masks/<object_id>/<frame_index:06d>.png   8-bit soft alpha, H×W, source resolution
    masks/<object_id>/index.npz               frame_indices (int64), scores (float32)
    lowres/<object_id>/<frame_index:06d>.npz  low-res logits of prompted frames (compressed,
                                              see :mod:`editor.model.lowres`)
    prompts/<name>.png                        mask prompts (content-addressed, immutable)

``alpha = round(255 · sigmoid(logit))``, so an absent object (logit −1024) is 0. Only a
small LRU cache of decoded alphas stays in memory. One lock makes it safe for a tracking
worker to write while the UI reads; every file is written to a temp name and renamed (never
rewritten in place), and the files written since the last :meth:`MaskletStore.sync` are
remembered so that a save can make exactly those durable.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from editor.model import lowres
from editor.model.atomic import atomic_write_bytes, copy_tree_synced, fsync_dir, fsync_file
from editor.model.errors import StoreError, os_error_text
from editor.model.events import MasksChanged

log = logging.getLogger(__name__)

#: Index files are rewritten after this many new frames of an object (and on flush).
INDEX_EVERY = 64

#: The sub-folders the store owns inside its root (all it copies when relocating).
OWNED_FOLDERS = ("masks", "lowres", "prompts")

#: Name prefix of a never-saved project's store folder (``masklet-unsaved-<pid>-*``).
UNSAVED_PREFIX = "masklet-unsaved-"


def logits_to_alpha(logits: np.ndarray) -> np.ndarray:
    """H×W float logits → H×W uint8 ``round(255 · sigmoid(logit))`` (half to even)."""
    x = np.asarray(logits, dtype=np.float64)
    with np.errstate(over="ignore"):
        sig = 1.0 / (1.0 + np.exp(-x))
    return np.rint(255.0 * sig).astype(np.uint8)


class _ObjectIndex:
    """Frame index → object score of one object (NaN where unknown)."""

    def __init__(self) -> None:
        self.scores: dict[int, float] = {}
        self.with_mask: set[int] = set()
        self.unsaved = 0


class MaskletStore:
    """Masks of every object, per frame, in ``root`` (created if needed).

    ``cache_frames``: how many decoded alphas stay in memory (LRU)."""

    def __init__(self, root: Path | str, cache_frames: int = 32, temporary: bool = False
                 ) -> None:
        self.root = Path(root)
        self.cache_frames = cache_frames
        self.temporary = temporary
        self._lock = threading.RLock()
        self._cache: OrderedDict[tuple[int, int], np.ndarray] = OrderedDict()
        self._index: dict[int, _ObjectIndex] = {}
        self._listeners: list[Callable[[object], None]] = []
        #: files written since the last sync, relative to ``root`` (they move with it)
        self._unsynced: set[Path] = set()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{self.root}: cannot create the mask folder ({exc.strerror}) "
                             "— check the disk and permissions") from exc
        self._load_indexes()

    #: Where :meth:`temporary` puts never-saved projects' stores. The editor sets a folder
    #: in the user's data folder (crash recovery needs the masks after the system cleans
    #: its temporary folder); None, for headless runs: the system's temporary folder.
    unsaved_folder: Path | None = None

    @classmethod
    def temporary(cls, cache_frames: int = 32, folder: Path | None = None) -> MaskletStore:
        """A store for a project not saved yet (see :meth:`relocate`) in a new
        ``masklet-unsaved-<pid>-*`` folder inside ``folder`` (default
        :attr:`unsaved_folder`); the folder is removed at exit unless the project was saved
        meanwhile. An unusable ``folder`` falls back to the system's temporary folder."""
        parent = folder or cls.unsaved_folder
        prefix = f"{UNSAVED_PREFIX}{os.getpid()}-"
        try:
            if parent is not None:
                Path(parent).mkdir(parents=True, exist_ok=True)
            root = tempfile.mkdtemp(prefix=prefix, dir=parent)
        except OSError as exc:
            log.warning("%s: cannot keep unsaved masks there (%s)", parent, exc)
            root = tempfile.mkdtemp(prefix=prefix)
        store = cls(root, cache_frames, temporary=True)
        weakref.finalize(store, shutil.rmtree, store.root, True)
        return store

    # -- observers -------------------------------------------------------------------
    def subscribe(self, callback: Callable[[object], None]) -> None:
        """``callback(MasksChanged(object_id, frame_indices))``, called on the writer's
        thread after each write or clear."""
        self._listeners.append(callback)

    def _emit(self, object_id: int, frames: tuple[int, ...]) -> None:
        for callback in list(self._listeners):
            try:
                callback(MasksChanged(object_id, frames))
            except Exception:  # observers must not break the writer
                log.exception("mask observer %r failed", callback)

    # -- paths ---------------------------------------------------------------------------
    def _png(self, object_id: int, frame_index: int) -> Path:
        return self.root / "masks" / str(object_id) / f"{frame_index:06d}.png"

    def _index_path(self, object_id: int) -> Path:
        return self.root / "masks" / str(object_id) / "index.npz"

    # -- writing -------------------------------------------------------------------------
    def write(self, object_id: int, frame_index: int, logits: np.ndarray | None,
              object_score: float, low_res_logits: np.ndarray | None = None) -> None:
        """Store one tracker result: ``logits`` H×W float32 at source resolution (None =
        absent: no mask file, only the score), ``object_score`` (> 0 present),
        ``low_res_logits`` h×w float32: pass it for prompted frames only (what a prompt
        replay needs; kept on every frame it was most of a project's size)."""
        alpha = None if logits is None else logits_to_alpha(logits)
        self.write_alpha(object_id, frame_index, alpha, object_score, low_res_logits)

    def write_alpha(self, object_id: int, frame_index: int, alpha: np.ndarray | None,
                    object_score: float = float("nan"),
                    low_res_logits: np.ndarray | None = None) -> None:
        """Store a ready H×W uint8 alpha (0..255) for one object and frame."""
        object_id, frame_index = int(object_id), int(frame_index)
        if alpha is not None:
            alpha = np.ascontiguousarray(alpha, dtype=np.uint8)
            ok, png = cv2.imencode(".png", alpha, [cv2.IMWRITE_PNG_COMPRESSION, 1])
            if not ok:
                raise StoreError(f"{self.root}: could not encode mask {object_id}/{frame_index}")
            self._put(self._png(object_id, frame_index), png.tobytes())
        if low_res_logits is not None:
            new, legacy = lowres.paths(self.root, object_id, frame_index)
            self._put(new, lowres.encode(low_res_logits))
            legacy.unlink(missing_ok=True)
        with self._lock:
            key = (object_id, frame_index)
            self._cache.pop(key, None)
            index = self._index.setdefault(object_id, _ObjectIndex())
            if alpha is not None:
                self._remember(key, alpha)
                index.with_mask.add(frame_index)
            else:
                self._png(object_id, frame_index).unlink(missing_ok=True)
                index.with_mask.discard(frame_index)
            index.scores[frame_index] = float(object_score)
            index.unsaved += 1
            if index.unsaved >= INDEX_EVERY:
                self._save_index(object_id)
        self._emit(object_id, (frame_index,))

    def _put(self, path: Path, data: bytes) -> None:
        try:
            atomic_write_bytes(path, data, fsync=False)
        except OSError as exc:
            raise StoreError(f"{path}: cannot write mask ({exc.strerror}) — free disk space "
                             "or choose another project folder") from exc
        with self._lock:
            if path.is_relative_to(self.root):  # else the store moved meanwhile
                self._unsynced.add(path.relative_to(self.root))

    def _remember(self, key: tuple[int, int], alpha: np.ndarray) -> None:
        self._cache[key] = alpha
        self._cache.move_to_end(key)
        while len(self._cache) > self.cache_frames:
            self._cache.popitem(last=False)

    # -- reading -------------------------------------------------------------------------
    def read_alpha(self, object_id: int, frame_index: int) -> np.ndarray | None:
        """H×W uint8 alpha, or None when no mask was stored for that frame."""
        key = (int(object_id), int(frame_index))
        with self._lock:
            alpha = self._cache.get(key)
            if alpha is not None:
                self._cache.move_to_end(key)
                return alpha
            index = self._index.get(key[0])
            # the index, not the file, says what is stored: a writer renames the file in
            # before it updates the index, and a reader must not see one without the other
            if index is None or key[1] not in index.with_mask:
                return None
            path = self._png(*key)
            if not path.exists():
                return None
            alpha = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
            if alpha is None:
                raise StoreError(f"{path}: mask file is unreadable — re-track this object")
            self._remember(key, alpha)
            return alpha

    def read(self, object_id: int, frame_index: int) -> np.ndarray | None:
        """The mask-source protocol: H×W float32 in [0, 1], or None (no mask stored)."""
        alpha = self.read_alpha(object_id, frame_index)
        return None if alpha is None else alpha.astype(np.float32) * np.float32(1 / 255)

    def read_low_res_logits(self, object_id: int, frame_index: int) -> np.ndarray | None:
        """h×w float32 low-res logits stored for that frame, or None."""
        with self._lock:
            return lowres.read(self.root, object_id, frame_index)

    def prune_low_res(self, keep: dict[int, set[int]]) -> int:
        """Remove the low-res logits of every object and frame not in ``keep`` (object id →
        frames to keep: the prompted ones; older versions kept them on every tracked frame
        and a prompt taken back leaves its own). Returns how many frames lost theirs."""
        removed = 0
        with self._lock:
            for object_id, frames in lowres.stored(self.root).items():
                for f in sorted(frames - keep.get(object_id, set())):
                    for path in lowres.paths(self.root, object_id, f):
                        path.unlink(missing_ok=True)
                    removed += 1
        return removed

    def frames_with_mask(self, object_id: int) -> np.ndarray:
        """Sorted int64 frame indices that have a stored mask (absent frames excluded)."""
        with self._lock:
            index = self._index.get(int(object_id))
            frames = sorted(index.with_mask) if index else []
        return np.array(frames, dtype=np.int64)

    def scores(self, object_id: int) -> tuple[np.ndarray, np.ndarray]:
        """(frame_indices int64 sorted, object scores float32; NaN where unknown)."""
        with self._lock:
            index = self._index.get(int(object_id))
            items = sorted(index.scores.items()) if index else []
        frames = np.array([f for f, _ in items], dtype=np.int64)
        return frames, np.array([s for _, s in items], dtype=np.float32)

    def object_ids(self) -> list[int]:
        with self._lock:
            return sorted(self._index)

    def forget_frames(self, object_id: int, frame_indices) -> None:
        """Forget (in memory only) the scores of frames that have no mask file, so they
        read as never tracked — e.g. masks found missing when a project is opened. The
        index on disk follows at the next flush."""
        object_id = int(object_id)
        with self._lock:
            index = self._index.get(object_id)
            if index is None:
                return
            for f in map(int, frame_indices):
                if f not in index.with_mask and f in index.scores:
                    del index.scores[f]
                    index.unsaved += 1

    # -- deleting --------------------------------------------------------------------------
    def delete_object(self, object_id: int) -> None:
        """Forget every mask, score and low-res logit of the object."""
        object_id = int(object_id)
        with self._lock:
            self._index.pop(object_id, None)
            self._cache = OrderedDict((k, v) for k, v in self._cache.items()
                                      if k[0] != object_id)
            for sub in ("masks", "lowres"):
                shutil.rmtree(self.root / sub / str(object_id), ignore_errors=True)
        self._emit(object_id, ())

    def clear_range(self, object_id: int, start: int, end: int) -> None:
        """Forget the object's results on frames ``start <= f < end``."""
        object_id = int(object_id)
        with self._lock:
            index = self._index.get(object_id)
            frames = [f for f in (index.scores if index else {}) if start <= f < end]
            for f in frames:
                del index.scores[f]
                index.with_mask.discard(f)
                self._cache.pop((object_id, f), None)
                for path in (self._png(object_id, f), *lowres.paths(self.root, object_id, f)):
                    path.unlink(missing_ok=True)
            if index is not None:
                self._save_index(object_id)
        self._emit(object_id, tuple(frames))

    # -- persistence -----------------------------------------------------------------------
    def _save_index(self, object_id: int) -> None:
        """Write ``index.npz`` of one object atomically (lock held)."""
        index = self._index.get(object_id)
        if index is None:
            return
        frames = np.array(sorted(index.scores), dtype=np.int64)
        scores = np.array([index.scores[f] for f in frames], dtype=np.float32)
        has_mask = np.array([f in index.with_mask for f in frames], dtype=bool)
        import io
        buf = io.BytesIO()
        np.savez(buf, frame_indices=frames, scores=scores, has_mask=has_mask)
        self._put(self._index_path(object_id), buf.getvalue())
        index.unsaved = 0

    def _load_indexes(self) -> None:
        """Read every object's index, then trust the PNG files present (a crash between
        index writes loses no mask; their scores read as NaN)."""
        masks = self.root / "masks"
        if not masks.is_dir():
            return
        for folder in masks.iterdir():
            if not folder.name.isdigit():
                continue
            index = self._index.setdefault(int(folder.name), _ObjectIndex())
            path = folder / "index.npz"
            if path.exists():
                try:
                    with np.load(path, allow_pickle=False) as data:
                        for f, s in zip(data["frame_indices"].tolist(),
                                        data["scores"].tolist()):
                            index.scores[int(f)] = float(s)
                except (OSError, ValueError, KeyError):
                    log.warning("%s: unreadable mask index, rebuilding from files", path)
            for png in folder.glob("*.png"):
                if png.stem.isdigit():
                    index.with_mask.add(int(png.stem))
                    index.scores.setdefault(int(png.stem), float("nan"))

    def flush(self) -> None:
        """Write every pending index to disk."""
        with self._lock:
            for object_id, index in self._index.items():
                if index.unsaved:
                    self._save_index(object_id)

    def sync(self) -> None:
        """Flush, then fsync every file written since the last sync and their folders:
        afterwards a power cut keeps everything the store holds now."""
        with self._lock:
            self.flush()
            folders = {self.root}
            for rel in sorted(self._unsynced):
                fsync_file(self.root / rel)
                folders.update((self.root / rel).parents[:len(rel.parts)])
            for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
                fsync_dir(folder)
            self._unsynced.clear()

    def close(self) -> None:
        """Flush; a temporary store's folder is removed."""
        self.flush()
        with self._lock:
            self._cache.clear()
            if self.temporary:
                shutil.rmtree(self.root, ignore_errors=True)

    def relocate(self, new_root: Path | str) -> None:
        """Move (a temporary store, when one rename can) or copy everything to the new
        folder ``new_root`` and continue there; everything is durable (fsynced) on return.

        ``new_root`` must not exist (or be empty): nothing there is ever replaced. A copy
        goes to a ``.tmp-*`` folder beside it first and is renamed in, so ``new_root``
        only ever names a complete copy. A temporary old folder is removed afterwards."""
        new_root = Path(new_root)
        with self._lock:
            self.flush()
            if new_root.resolve() == self.root.resolve():
                self.sync()
                return
            if new_root.exists() and any(new_root.iterdir()):
                raise StoreError(f"{new_root}: the folder is not empty — choose another "
                                 "project name")
            if self.temporary and self._move_to(new_root):
                return
            self._copy_to(new_root)
            old, was_temporary = self.root, self.temporary
            self.root, self.temporary = new_root, False
            self._unsynced.clear()
            if was_temporary:
                shutil.rmtree(old, ignore_errors=True)

    def _move_to(self, new_root: Path) -> bool:
        """One rename of a temporary root (same file system); False when it cannot."""
        try:
            new_root.parent.mkdir(parents=True, exist_ok=True)
            if new_root.exists():
                new_root.rmdir()  # empty, checked by the caller
            os.replace(self.root, new_root)
        except OSError:
            log.info("cannot move %s to %s; copying", self.root, new_root)
            return False
        old_parent = self.root.parent
        self.root, self.temporary = new_root, False
        self.sync()
        fsync_dir(new_root.parent)
        fsync_dir(old_parent)
        return True

    def _copy_to(self, new_root: Path) -> None:
        """Copy the owned folders into a staging folder beside ``new_root``, fsync, rename."""
        staging = None
        try:
            new_root.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=new_root.parent))
            copy = staging / "d"
            copy.mkdir()
            for sub in OWNED_FOLDERS:
                if (self.root / sub).is_dir():
                    copy_tree_synced(self.root / sub, copy / sub)
            fsync_dir(copy)
            if new_root.exists():
                new_root.rmdir()  # empty, checked by the caller
            os.replace(copy, new_root)
            staging.rmdir()
            fsync_dir(new_root.parent)
        except OSError as exc:
            if staging is not None:  # a partial copy is of no use to anyone
                shutil.rmtree(staging, ignore_errors=True)
            raise StoreError(f"{new_root}: cannot copy the masks there ({os_error_text(exc)})"
                             " — free disk space or choose another folder") from exc

    # -- mask prompts ----------------------------------------------------------------------
    def put_prompt_mask(self, mask: np.ndarray) -> str:
        """Keep a mask prompt (H×W bool, or float in [0, 1]) and return its name.
        Names are content hashes, so undo/redo never needs to delete or rewrite them."""
        mask = np.asarray(mask)
        alpha = (mask.astype(np.uint8) * 255 if mask.dtype == bool
                 else np.rint(np.clip(mask, 0, 1) * 255).astype(np.uint8))
        name = hashlib.sha1(alpha.tobytes() + str(alpha.shape).encode()).hexdigest()[:16]
        path = self.root / "prompts" / f"{name}.png"
        if not path.exists():
            ok, png = cv2.imencode(".png", alpha, [cv2.IMWRITE_PNG_COMPRESSION, 1])
            self._put(path, png.tobytes())
        return name

    def get_prompt_mask(self, name: str) -> np.ndarray:
        """H×W float32 [0, 1] of a mask prompt stored by :meth:`put_prompt_mask`."""
        path = self.root / "prompts" / f"{name}.png"
        alpha = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if alpha is None:
            raise StoreError(f"{path}: mask prompt is missing — the project's "
                             ".masklet.d folder is incomplete; redo that prompt")
        return alpha.astype(np.float32) / 255.0
