"""PNG image-sequence output: ``<folder>/00000.png, 00001.png, ...`` (RGBA or RGB, 8-bit).

Written into a hidden temporary folder next to the final one and renamed when complete.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rendering.errors import MediaError


class PngSequenceSink:
    """Writes one PNG per frame into ``folder`` (which must not exist yet or be replaceable).

    Args:
        folder: the (temporary) folder to fill; created here.
        alpha: write RGBA (opaque alpha added for RGB input) when True, else RGB.
        compression: zlib level 0..9 (3 is fast and reasonably small).
    """

    def __init__(self, folder: Path, alpha: bool, compression: int = 3) -> None:
        import cv2  # lazy: only image sequences need it

        self._cv2 = cv2
        self.folder = folder
        self.alpha = alpha
        self.compression = compression
        self.count = 0
        folder.mkdir(parents=True, exist_ok=False)

    def prepare(self, frame: np.ndarray) -> np.ndarray:
        """Frames are written as given (the conversion happens in ``write``)."""
        return frame

    def write(self, frame: np.ndarray) -> None:
        """``frame``: H×W×3 or H×W×4 uint8 RGB(A)."""
        cv2 = self._cv2
        if self.alpha:
            if frame.shape[2] == 3:
                frame = np.dstack([frame, np.full(frame.shape[:2], 255, np.uint8)])
            bgr = cv2.cvtColor(frame, cv2.COLOR_RGBA2BGRA)
        else:
            bgr = cv2.cvtColor(np.ascontiguousarray(frame[..., :3]), cv2.COLOR_RGB2BGR)
        path = self.folder / f"{self.count:05d}.png"
        ok, data = cv2.imencode(".png", bgr, [cv2.IMWRITE_PNG_COMPRESSION, self.compression])
        if not ok:
            raise MediaError(f"{path}: PNG encoding failed")
        path.write_bytes(data.tobytes())
        self.count += 1

    def finish(self) -> None:
        """Nothing to flush: every frame is a complete file."""

    def close(self) -> None:
        """Nothing held open."""
