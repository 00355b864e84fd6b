"""Synthetic clips with known answers, for tests, benchmarks and "Try a sample".

A :class:`SyntheticClip` is a pure function of its parameters: frame ``i`` shows a red circle
(object 1) and a blue rectangle (object 2) moving over a textured background, and
:meth:`SyntheticClip.mask` returns their exact pixel masks. The clip also has a known audio
tone (440 Hz sine). :meth:`SyntheticClip.write` encodes it to a real file with the options
media tests need (B-frames, long GOP, VFR timestamps, rotation metadata, colour matrix/range,
10-bit, alpha, audio, explicit frame times such as :meth:`SyntheticClip.step_rate_times`,
an audio onset that marks a time)::

    clip = SyntheticClip(width=160, height=96, num_frames=90, fps=Fraction(30))
    clip.frame(10)            # 96×160×3 uint8 RGB
    clip.mask(10, 1)          # 96×160 bool, the circle
    clip.write(tmp / "c.mp4", gop_frames=48, bframes=2, with_audio=True)

Geometry (pixel (x, y) = column, row; integer pixel coordinates): the circle travels left to
right in the upper half, the rectangle right to left in the lower half; they never overlap, so
each object's mask is exactly its shape. Both stay fully inside the frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

CIRCLE_ID = 1
RECTANGLE_ID = 2
CIRCLE_RGB = (220, 50, 40)
RECTANGLE_RGB = (40, 90, 220)
TONE_HZ = 440.0
TONE_AMPLITUDE = 0.5


@dataclass(frozen=True)
class SyntheticClip:
    """A procedurally drawn clip.

    Attributes:
        width, height: frame size in pixels (≥ 32×32).
        num_frames: number of frames.
        fps: frame rate (frames per second, exact).
        audio_rate_hz: sample rate of :meth:`audio`.
        audio_channels: channels of :meth:`audio` (the tone is the same on every channel).
    """

    width: int = 160
    height: int = 96
    num_frames: int = 90
    fps: Fraction = field(default=Fraction(30))
    audio_rate_hz: int = 48000
    audio_channels: int = 2

    object_ids = (CIRCLE_ID, RECTANGLE_ID)

    # --- geometry -------------------------------------------------------------------------
    def _progress(self, frame_index: int) -> float:
        return frame_index / max(1, self.num_frames - 1)

    def circle(self, frame_index: int) -> tuple[float, float, float]:
        """(cx, cy, radius) in pixels of the circle on frame ``frame_index``."""
        r = 0.18 * min(self.width, self.height)
        p = self._progress(frame_index)
        cx = r + 2 + p * (self.width - 2 * r - 4)
        cy = 0.25 * self.height + 0.04 * self.height * np.sin(2 * np.pi * p)
        return float(cx), float(cy), float(r)

    def rectangle(self, frame_index: int) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) pixel box (x1, y1 exclusive) of the rectangle."""
        w, h = int(0.25 * self.width), int(0.22 * self.height)
        p = self._progress(frame_index)
        x0 = 1 + int(round((self.width - w - 2) * (1 - p)))
        y0 = int(0.62 * self.height)
        return x0, y0, x0 + w, y0 + h

    def mask(self, frame_index: int, object_id: int) -> np.ndarray:
        """H×W bool ground-truth mask of ``object_id`` (1 circle, 2 rectangle) on a frame."""
        self._check(frame_index)
        out = np.zeros((self.height, self.width), bool)
        if object_id == CIRCLE_ID:
            cx, cy, r = self.circle(frame_index)
            yy, xx = np.ogrid[: self.height, : self.width]
            out[:] = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
        elif object_id == RECTANGLE_ID:
            x0, y0, x1, y1 = self.rectangle(frame_index)
            out[y0:y1, x0:x1] = True
        else:
            raise KeyError(f"no object {object_id}; objects are {self.object_ids}")
        return out

    def background(self) -> np.ndarray:
        """H×W×3 uint8 textured background (gradient plus a soft checkerboard)."""
        yy, xx = np.mgrid[: self.height, : self.width].astype(np.float32)
        checker = (((xx // 8) + (yy // 8)) % 2) * 24.0
        r = 60 + 80 * xx / self.width + checker
        g = 110 + 60 * yy / self.height + checker
        b = 90 + 40 * np.sin(xx / 9.0) * np.cos(yy / 7.0) + checker
        return np.clip(np.dstack([r, g, b]), 0, 255).astype(np.uint8)

    def frame(self, frame_index: int) -> np.ndarray:
        """H×W×3 uint8 RGB frame ``frame_index``."""
        img = self.background()
        img[self.mask(frame_index, CIRCLE_ID)] = CIRCLE_RGB
        img[self.mask(frame_index, RECTANGLE_ID)] = RECTANGLE_RGB
        return img

    def alpha(self, frame_index: int) -> np.ndarray:
        """H×W uint8 alpha used by alpha outputs: 255 on the objects, 64 elsewhere."""
        union = self.mask(frame_index, CIRCLE_ID) | self.mask(frame_index, RECTANGLE_ID)
        return np.where(union, 255, 64).astype(np.uint8)

    def frame_rgba(self, frame_index: int) -> np.ndarray:
        """H×W×4 uint8 RGBA: :meth:`frame` with :meth:`alpha`."""
        return np.dstack([self.frame(frame_index), self.alpha(frame_index)])

    # --- time -----------------------------------------------------------------------------
    @property
    def duration_s(self) -> Fraction:
        """Exact duration of the CFR clip in seconds."""
        return Fraction(self.num_frames) / Fraction(self.fps)

    def vfr_times(self) -> list[Fraction]:
        """Presentation times (s) of the frames of the VFR variant written by ``write(vfr=True)``.

        Frame durations cycle through 1, 2 and 3 half-frame periods (1/(2·fps) s each).
        """
        unit = 1 / (2 * Fraction(self.fps))
        times, t = [], Fraction(0)
        for i in range(self.num_frames):
            times.append(t)
            t += unit * (1 + i % 3)
        return times

    def vfr_duration_s(self) -> Fraction:
        """Duration (s) of the VFR variant: last frame time plus its duration."""
        unit = 1 / (2 * Fraction(self.fps))
        return sum((unit * (1 + i % 3) for i in range(self.num_frames)), Fraction(0))

    def audio(self, duration_s: Fraction | None = None,
              onset_s: Fraction | None = None) -> np.ndarray:
        """C×N float32 audio: a 440 Hz sine (amplitude 0.5) lasting the clip's duration.

        N = round(duration · audio_rate_hz). With ``onset_s`` the audio is silent before that
        time (sample ``round(onset_s · rate)`` is the first of the tone): a marker of time.
        """
        dur = self.duration_s if duration_s is None else Fraction(duration_s)
        n = round(dur * self.audio_rate_hz)
        t = np.arange(n, dtype=np.float64) / self.audio_rate_hz
        tone = (TONE_AMPLITUDE * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32)
        if onset_s is not None:
            tone[: round(Fraction(onset_s) * self.audio_rate_hz)] = 0.0
        return np.repeat(tone[None, :], self.audio_channels, axis=0)

    def step_rate_times(self, fast_frames: int, slow_fps: Fraction) -> list[Fraction]:
        """Frame times (s) of a clip that drops rate: ``fast_frames`` frames at ``fps``, then
        the remaining frames at ``slow_fps`` (e.g. 20 at 30 fps then 20 at 10 fps: frame 19
        at 19/30 s, frame 20 at 20/30 s, frame 21 at 23/30 s). Pass to ``write(times=...)``."""
        fast = [Fraction(i) / Fraction(self.fps) for i in range(fast_frames)]
        switch = Fraction(fast_frames) / Fraction(self.fps)
        slow = [switch + Fraction(k) / Fraction(slow_fps)
                for k in range(self.num_frames - fast_frames)]
        return fast + slow

    def _check(self, frame_index: int) -> None:
        if not 0 <= frame_index < self.num_frames:
            raise IndexError(f"frame {frame_index} outside 0..{self.num_frames - 1}")

    # --- files ----------------------------------------------------------------------------
    def write(self, path: Path | str, codec: str = "h264", **options) -> Path:
        """Encode the clip to ``path``; see :func:`rendering.media.synthetic_encode.write_clip` for
        the options (gop_frames, bframes, vfr, times, audio_onset_s, rotation_deg, pix_fmt,
        colorspace, color_range, alpha, with_audio, crf)."""
        from rendering.media.synthetic_encode import write_clip

        return write_clip(self, Path(path), codec=codec, **options)

    def write_image_folder(self, folder: Path | str, suffix: str = ".png") -> Path:
        """Write frames as ``folder/00000<suffix>``... (``.png`` exact, ``.jpg`` lossy)."""
        from PIL import Image

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(self.num_frames):
            Image.fromarray(self.frame(i)).save(folder / f"{i:05d}{suffix}")
        return folder
