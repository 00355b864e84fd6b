"""Decoded picture -> RGB(A) uint8, with the stream's YUV matrix and range, and rotation.

Matrix: the frame's tagged matrix (BT.601 / BT.709 / BT.2020 / SMPTE-240M / FCC); an untagged
YUV frame uses BT.709 when its coded height is ≥ 720 and BT.601 below (what players do).
Range: the tagged range; untagged YUV is limited (16-235), ``yuvj*`` formats are full.
10/12-bit input is converted by swscale from its native depth (no truncation first).
Rotation: the display matrix's counter-clockwise angle is applied after conversion, so
returned arrays are upright (W and H swapped for 90/270).
"""

from __future__ import annotations

from dataclasses import dataclass

import av
import numpy as np
from av.video.reformatter import VideoReformatter

# AVColorSpace values -> swscale matrix ids (SWS_CS_*), by name.
_MATRIX_BY_AVCOL = {1: "ITU709", 4: "FCC", 5: "ITU601", 6: "SMPTE170M", 7: "SMPTE240M",
                    9: "BT2020", 10: "BT2020"}
MATRIX_NAMES = {0: "rgb", 1: "bt709", 2: "unspecified", 4: "fcc", 5: "bt470bg",
                6: "smpte170m", 7: "smpte240m", 9: "bt2020nc", 10: "bt2020c"}
RANGE_NAMES = {0: "unspecified", 1: "limited", 2: "full"}


def pix_fmt_has_alpha(pix_fmt: str | None) -> bool:
    """True when the pixel format carries an alpha component."""
    if not pix_fmt:
        return False
    try:
        return any(c.is_alpha for c in av.VideoFormat(pix_fmt).components)
    except (ValueError, av.error.FFmpegError):
        return False


def pix_fmt_bit_depth(pix_fmt: str | None) -> int:
    """Bits per component (8, 10, 12...) of a pixel format (8 when unknown)."""
    try:
        return max(c.bits for c in av.VideoFormat(pix_fmt or "").components)
    except (ValueError, av.error.FFmpegError):
        return 8


@dataclass(frozen=True)
class ColourRule:
    """How a stream's YUV is turned into RGB.

    Attributes:
        matrix: swscale matrix name (``"ITU709"``, ``"ITU601"``...) or ``None`` for RGB input.
        full_range: True when the source uses full range (0-255) YUV.
    """

    matrix: str | None
    full_range: bool

    @property
    def description(self) -> tuple[str, str]:
        """(matrix, range) in the names :class:`MediaInfo` reports."""
        if self.matrix is None:
            return "rgb", "full"
        names = {"ITU709": "bt709", "ITU601": "bt601", "SMPTE170M": "bt601",
                 "SMPTE240M": "smpte240m", "BT2020": "bt2020", "FCC": "fcc"}
        return names[self.matrix], "full" if self.full_range else "limited"


def colour_rule(colorspace: int, color_range: int, pix_fmt: str | None,
                coded_height: int) -> ColourRule:
    """The conversion rule for a frame/stream with these tags (see the module docstring)."""
    fmt = av.VideoFormat(pix_fmt) if pix_fmt else None
    if fmt is not None and fmt.is_rgb:
        return ColourRule(None, True)
    matrix = _MATRIX_BY_AVCOL.get(colorspace)
    if matrix is None:
        matrix = "ITU709" if coded_height >= 720 else "ITU601"
    full = color_range == 2 or (color_range == 0 and bool(pix_fmt and pix_fmt.startswith("yuvj")))
    return ColourRule(matrix, full)


class RgbConverter:
    """Converts decoded frames to upright uint8 RGB/RGBA arrays (not thread-safe: one per
    decoder, used under the source's lock).

    Args:
        rotation_deg: counter-clockwise display rotation (multiple of 90) to apply.
    """

    def __init__(self, rotation_deg: int = 0) -> None:
        self.rotation_deg = rotation_deg
        self._reformatter = VideoReformatter()

    def convert(self, frame: av.VideoFrame, rgba: bool = False) -> np.ndarray:
        """H×W×3 (or H×W×4 when ``rgba``) uint8 array of ``frame``, upright.

        Without source alpha, the alpha channel of an RGBA result is 255.
        """
        rule = colour_rule(frame.colorspace, frame.color_range, frame.format.name,
                           frame.height)
        kwargs = {}
        if rule.matrix is not None:
            kwargs = {"src_colorspace": rule.matrix,
                      "src_color_range": "JPEG" if rule.full_range else "MPEG",
                      "dst_color_range": "JPEG"}
        out = self._reformatter.reformat(frame, format="rgba" if rgba else "rgb24", **kwargs)
        arr = out.to_ndarray()
        if out is frame:  # nothing to convert: do not hand out a view of a cached picture
            arr = arr.copy()
        k = (self.rotation_deg // 90) % 4
        if k:
            arr = np.ascontiguousarray(np.rot90(arr, k=k))
        return arr
