"""Frame sources over still images: a folder of numbered images, or one image.

Image folders hold ``00000.jpg, 00001.jpg, ...`` (or PNG, ...): files are ordered by the
integer in their name (natural order for other names); the frame rate is given by the user
(default 30 fps). EXIF orientation is applied. Every image must have the first one's size.
"""

from __future__ import annotations

import re
import threading
from fractions import Fraction
from pathlib import Path

import numpy as np

from rendering.errors import MediaError
from rendering.media.frame_cache import FrameCache
from rendering.media.info import MediaInfo
from rendering.timebase import parse_rate

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
DEFAULT_FPS = Fraction(30)
_CACHE_BYTES = 128 * 2**20


def _natural_key(path: Path) -> tuple:
    parts = re.split(r"(\d+)", path.stem)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p), path.name


def list_images(folder: Path) -> list[Path]:
    """Image files of ``folder`` in frame order."""
    files = [p for p in folder.iterdir()
             if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")]
    return sorted(files, key=_natural_key)


def _load(path: Path, rgba: bool) -> np.ndarray:
    """H×W×3 (or ×4) uint8 RGB(A) image with EXIF orientation applied."""
    import cv2

    flag = cv2.IMREAD_UNCHANGED if rgba else cv2.IMREAD_COLOR
    img = cv2.imread(str(path), flag)
    if img is None:
        raise MediaError(f"{path}: cannot read the image (damaged or unsupported format)")
    if img.dtype != np.uint8:
        img = (img / 257).astype(np.uint8) if img.dtype == np.uint16 else img.astype(np.uint8)
    if img.ndim == 2:
        img = np.dstack([img] * 3)
    if not rgba:
        return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    if img.shape[2] == 3:
        return np.dstack([cv2.cvtColor(img, cv2.COLOR_BGR2RGB),
                          np.full(img.shape[:2], 255, np.uint8)])
    return cv2.cvtColor(img, cv2.COLOR_BGRA2RGBA)


class ImageFolderSource:
    """Frame source over numbered images (see the module docstring).

    ``read(i)`` returns H×W×3 uint8 RGB; ``read_rgba(i)`` H×W×4 (alpha 255 without one).
    """

    def __init__(self, folder: Path | str, fps: Fraction | str | None = None,
                 files: list[Path] | None = None) -> None:
        self.path = Path(folder)
        if not self.path.is_dir():
            raise MediaError(f"{self.path}: folder not found — check the path")
        self.files = files if files is not None else list_images(self.path)
        if not self.files:
            raise MediaError(f"{self.path}: the folder has no images (00000.jpg, ...)")
        self.fps = parse_rate(fps) if fps is not None else DEFAULT_FPS
        first = _load(self.files[0], rgba=False)
        self.height, self.width = first.shape[:2]
        self.has_alpha = False
        self._lock = threading.Lock()
        self._cache: FrameCache[np.ndarray] = FrameCache(_CACHE_BYTES, lambda a: a.nbytes)

    def __len__(self) -> int:
        return len(self.files)

    def _get(self, frame_index: int, rgba: bool) -> np.ndarray:
        if not 0 <= frame_index < len(self.files):
            raise IndexError(f"frame {frame_index} outside 0..{len(self.files) - 1}")
        key = frame_index * 2 + int(rgba)
        with self._lock:
            img = self._cache.get(key)
            if img is None:
                img = _load(self.files[frame_index], rgba)
                if img.shape[:2] != (self.height, self.width):
                    raise MediaError(f"{self.files[frame_index]}: image is "
                                     f"{img.shape[1]}×{img.shape[0]}, the folder's first image"
                                     f" is {self.width}×{self.height} — all must match")
                self._cache.put(key, img)
        return img.copy()

    def read(self, frame_index: int) -> np.ndarray:
        """H×W×3 uint8 RGB image of frame ``frame_index``."""
        return self._get(frame_index, False)

    def read_rgba(self, frame_index: int) -> np.ndarray:
        """H×W×4 uint8 RGBA image (alpha from the file, else 255)."""
        return self._get(frame_index, True)

    def iter_frames(self, start: int = 0, end: int | None = None):
        """Yield ``(frame_index, H×W×3 uint8 RGB)`` for ``start <= i < end``."""
        end = len(self) if end is None else min(end, len(self))
        for i in range(start, end):
            yield i, _load(self.files[i], rgba=False)

    def frame_time(self, frame_index: int) -> Fraction:
        """Time of a frame in seconds (``frame_index / fps``)."""
        return Fraction(frame_index) / self.fps

    def close(self) -> None:
        self._cache.clear()

    def __enter__(self) -> ImageFolderSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ImageSource(ImageFolderSource):
    """A single image as a one-frame source (rate ``fps``, default 30)."""

    def __init__(self, path: Path | str, fps: Fraction | str | None = None) -> None:
        path = Path(path)
        if not path.is_file():
            raise MediaError(f"{path}: file not found — check the path")
        super().__init__(path.parent, fps, files=[path])
        self.path = path


def probe_images(path: Path, fps: Fraction | str | None) -> MediaInfo:
    """MediaInfo of an image folder or a single image."""
    src = ImageFolderSource(path, fps) if path.is_dir() else ImageSource(path, fps)
    suffix = src.files[0].suffix.lower().lstrip(".")
    codec = {"jpg": "mjpeg", "jpeg": "mjpeg", "tif": "tiff"}.get(suffix, suffix)
    n = len(src)
    return MediaInfo(
        path=str(path), kind="image_folder" if path.is_dir() else "image", container="image2",
        codec=codec, frame_count=n, avg_rate=src.fps, duration_s=Fraction(n) / src.fps,
        width=src.width, height=src.height, coded_width=src.width, coded_height=src.height,
        rotation_deg=0, pix_fmt="rgb24", bit_depth=8, has_alpha=False, colour_matrix="rgb",
        colour_range="full", is_vfr=False, audio=(),
        size_bytes=sum(f.stat().st_size for f in src.files))
