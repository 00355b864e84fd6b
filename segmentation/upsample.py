"""Low-resolution mask logits → video resolution: bilinear (official) or image-guided.

SAM 2 predicts S/4×S/4 logits (256×256 for the 1024 models, 128×128 for the 512 ones) and
the official path resizes them bilinearly. ``"guided"`` is a joint bilateral upsampling
(Kopf et al. 2007) whose spatial kernel *is* bilinear interpolation: each output pixel
averages its four low-res neighbours with their bilinear weights times a colour weight
``exp(-|I(x) - Ī(cell)|² / 2σ²)``, where ``Ī(cell)`` is the frame's mean colour over that
low-res cell. So a pixel takes its value from the neighbouring cells that look like it, and
the edge moves onto the colour edge inside the cell it crosses. Where the neighbours have
one colour (flat regions, texture finer than a cell that averages out) the weights are the
bilinear ones: the output is the official one. It is computed only where it can move the
edge — pixels whose four neighbours lie on both sides of the mask's level, and the pixels
of the neighbouring cells (so the soft values do not jump right next to the edge) —;
elsewhere it is bilinear exactly (with σ → ∞ it is bilinear everywhere). A weighted mean of
the neighbours cannot leave their range, so the edge moves at most about one cell: it
corrects where inside the cell it crosses, not a model that is a cell or more off.

numpy + OpenCV only; CPU. The band is visited block by block (never a full-frame mask or
temporary), and the cells' mean colours are computed once per frame, over the crop the
bands read: about 3× bilinear's time at 1080p from 128×128 (``benchmarks/bench_upsample.py
time``). Values are interpolated as given (logits here; the benchmark
passes probabilities with ``threshold=0.5``); an absent object (every logit exactly
:data:`~segmentation.types.ABSENT_LOGIT`) is returned unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import cv2
import numpy as np

from segmentation.types import ABSENT_LOGIT

UPSAMPLE_METHODS = ("bilinear", "guided")


def check_method(method: str) -> str:
    """``method`` itself when it is one of :data:`UPSAMPLE_METHODS`, else ValueError."""
    if method not in UPSAMPLE_METHODS:
        raise ValueError(f"upsample must be one of {UPSAMPLE_METHODS}, got {method!r}")
    return method


def default_upsample(low_res_side: int) -> str:
    """The method the editor and the CLI display and export with, for a model whose logits
    are ``low_res_side``² (its image size / 4).

    "guided" for 128² and coarser (the 512-pixel EfficientTAM models): there a low-res cell
    is several pixels wide and the colour edge inside it is worth finding (on the
    benchmark's proxy, leave-one-clip-out: J +0.007, boundary F at 2 px +0.039, at 1 px
    +0.064 over bilinear). "bilinear" for 256² (the 1024-pixel models), where guiding was
    about neutral. The trackers' own default stays "bilinear" (the official path).
    """
    return "guided" if low_res_side <= 128 else "bilinear"


@dataclass(frozen=True)
class GuidedParams:
    """Joint bilateral settings.

    Attributes:
        colour_sigma: σ of the colour weight, RGB in [0, 1] (larger = closer to bilinear).
    """

    colour_sigma: float = 0.1


def _band_cells(low: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """The blocks where the colour weights can move the edge, as (rows, cols) int arrays.

    Block (i, j), 0 ≤ i ≤ h, 0 ≤ j ≤ w, holds the pixels whose four low-res neighbours are
    cells (i-1..i, j-1..j) (clamped at the border): the pixels with ``floor(u) = i - 1``. A
    block is in the band when its neighbours, or a neighbouring block's, lie on both sides
    of ``threshold``.
    """
    inside = np.pad(low > threshold, 1, mode="edge")
    blocks = [inside[:-1, :-1], inside[1:, :-1], inside[:-1, 1:], inside[1:, 1:]]
    mixed = (np.any(blocks, axis=0) & ~np.all(blocks, axis=0)).astype(np.uint8)
    mixed = cv2.dilate(mixed, np.ones((3, 3), np.uint8))
    return np.nonzero(mixed)


#: blocks weighed per pass of :func:`guided_upsample` (bounds its memory on a large band)
_CHUNK_PIXELS = 1 << 20


def _block_tiles(size: int, low_size: int, blocks: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Along one axis (``size`` output pixels over ``low_size`` cells), for the blocks
    ``blocks`` (n,) (indices 0..low_size): each block's tile, ``span`` consecutive pixels
    that cover it (as long as the longest block, so the tile overhangs shorter ones, and
    shifted inwards at the frame's border).

    Returns (first pixel of each tile (n,); which of the tile's pixels belong to its block,
    span×n bool; the bilinear weights of the block's two neighbour cells at the tile's
    pixels, 2×span×n float32 ≥ 0; those two cells, 2×n, clamped to the map).
    """
    # the pixels' continuous low-res coordinates (half-pixel centres, as cv2/F.interpolate)
    u = (np.arange(size) + 0.5) * (low_size / size) - 0.5
    block_of = np.clip(np.floor(u).astype(np.int64) + 1, 0, low_size)  # nondecreasing
    bounds = np.searchsorted(block_of, np.arange(low_size + 2))
    span = max(int(np.diff(bounds).max()), 1)
    first, end = bounds[blocks], bounds[blocks + 1]
    start = np.clip(first, 0, size - span)
    pix = start + np.arange(span)[:, None]  # span×n
    inside = (pix >= first) & (pix < end)
    frac = (u[pix] - (blocks - 1)).astype(np.float32)  # from the first neighbour cell
    weights = np.maximum(np.stack([1.0 - np.abs(frac), 1.0 - np.abs(frac - 1.0)]), 0.0)
    cells = np.clip(np.stack([blocks - 1, blocks]), 0, low_size - 1)
    return start, inside, weights.astype(np.float32), cells


def _exact_crop(first: int, end: int, low_size: int, size: int) -> tuple[int, int]:
    """A cell range [a, b) ⊇ [first, end) over which OpenCV's area resize of the frame's
    crop gives exactly the full resize's cells: its ends fall on whole pixels (a multiple of
    the grid's period) and the scale ``size / low_size`` is exact in binary (any frame size
    over a power-of-two side), so the crop's resize tables are the full one's, shifted.
    Falls back to the whole range where that does not hold (or the frame is not larger)."""
    exact = size >= low_size and Fraction(1.0 / (low_size / size)) == Fraction(size, low_size)
    if not exact:
        return 0, low_size
    period = low_size // math.gcd(size, low_size)
    return first // period * period, min(-(-end // period) * period, low_size)


def cell_colours(frame: np.ndarray, low_shape: tuple[int, int],
                 rows: tuple[int, int] | None = None, cols: tuple[int, int] | None = None
                 ) -> np.ndarray:
    """h×w×3 float32: the frame's mean colour over each low-res cell (OpenCV's area resize,
    rounded to uint8); the same for every object of a frame.

    ``rows``/``cols``: the cell ranges [first, end) needed; only a crop of the frame that
    covers them is resized (the same values; cells outside it are left 0).
    """
    h, w = low_shape
    height, width = frame.shape[:2]
    r0, r1 = _exact_crop(*(rows or (0, h)), h, height)
    c0, c1 = _exact_crop(*(cols or (0, w)), w, width)
    cells = np.zeros((h, w, 3), np.float32)
    crop = frame[r0 * height // h:r1 * height // h, c0 * width // w:c1 * width // w, :3]
    cells[r0:r1, c0:c1] = cv2.resize(crop, (c1 - c0, r1 - r0), interpolation=cv2.INTER_AREA)
    return cells


def _needed_cells(bands: list[tuple[np.ndarray, np.ndarray]], low_shape: tuple[int, int]
                  ) -> tuple[tuple[int, int], tuple[int, int]]:
    """The cell rows and columns [first, end) that the bands' blocks read."""
    h, w = low_shape
    rows = np.concatenate([b[0] for b in bands])
    cols = np.concatenate([b[1] for b in bands])
    # block i reads cells i-1 and i (clamped)
    return ((max(int(rows.min()) - 1, 0), min(int(rows.max()), h - 1) + 1),
            (max(int(cols.min()) - 1, 0), min(int(cols.max()), w - 1) + 1))


def guided_upsample(low_res: np.ndarray, frame: np.ndarray,
                    params: GuidedParams = GuidedParams(), threshold: float = 0.0,
                    cells: np.ndarray | None = None) -> np.ndarray:
    """h×w float32 map (logits, or probabilities with ``threshold=0.5``) → H×W float32.

    Args:
        low_res: h×w float32 (any aspect; stretched to the frame like SAM 2).
        frame: H×W×3 uint8 RGB at the output resolution.
        params: see :class:`GuidedParams`.
        threshold: the mask's level (the band follows its edge).
        cells: :func:`cell_colours` of ``frame`` at h×w, if already computed.
    Returns:
        H×W float32: bilinear outside the band, joint bilateral inside it.

    Only the band is visited. Its pixels are gathered block by block: a block (about
    H/h × W/w pixels, all with the same four neighbour cells) is read as one tile through a
    window view of the frame, and all tiles are weighed at once, block-last so the blocks'
    cells and logits broadcast along the innermost axis. Work and memory scale with the
    edge's length, not with the frame's area.
    """
    height, width = frame.shape[:2]
    # the output and one spare element, where tile pixels outside their block are written
    buffer = np.empty(height * width + 1, np.float32)
    _guided_into(buffer, 0, np.asarray(low_res, np.float32), frame, params, threshold, cells)
    return buffer[:-1].reshape(height, width)


def _guided_into(buffer: np.ndarray, offset: int, low: np.ndarray, frame: np.ndarray,
                 params: GuidedParams, threshold: float, cells: np.ndarray | None,
                 band: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    """:func:`guided_upsample` written to ``buffer[offset:offset + H*W]`` (flat float32;
    its last element is scratch); ``band``: :func:`_band_cells` of ``low``, if known."""
    height, width = frame.shape[:2]
    h, w = low.shape
    out = buffer[offset:offset + height * width].reshape(height, width)
    cv2.resize(low, (width, height), dst=out, interpolation=cv2.INTER_LINEAR)
    band_rows, band_cols = _band_cells(low, threshold) if band is None else band
    if band_rows.size == 0:
        return
    if cells is None:
        cells = cell_colours(frame, (h, w), *_needed_cells([(band_rows, band_cols)], (h, w)))
    scale = np.float32(-1.0 / (2.0 * (255.0 * params.colour_sigma) ** 2))
    tile = (-(-height // h) + 1) * (-(-width // w) + 1)  # at least a block's pixels
    chunk = max(_CHUNK_PIXELS // tile, 1)
    for at in range(0, band_rows.size, chunk):
        bi, bj = band_rows[at:at + chunk], band_cols[at:at + chunk]
        y0, y_in, wy, cy = _block_tiles(height, h, bi)  # n; sy×n; 2×sy×n; 2×n
        x0, x_in, wx, cx = _block_tiles(width, w, bj)  # n; sx×n; 2×sx×n; 2×n
        sy, sx = y_in.shape[0], x_in.shape[0]
        windows = np.lib.stride_tricks.sliding_window_view(frame[..., :3], (sy, sx),
                                                           axis=(0, 1))
        rgb = windows[y0, x0].transpose(1, 2, 3, 0).astype(np.float32, order="C")  # 3×sy×sx×n
        num = np.zeros((sy, sx, bi.size), np.float32)
        den = np.zeros_like(num)
        weight = np.empty_like(num)
        term = np.empty_like(num)
        for dy in (0, 1):
            for dx in (0, 1):
                iy, ix = cy[dy], cx[dx]
                colour = np.ascontiguousarray(cells[iy, ix].T)  # 3×n
                np.subtract(rgb[0], colour[0], out=weight)
                weight *= weight
                for c in (1, 2):
                    np.subtract(rgb[c], colour[c], out=term)
                    term *= term
                    weight += term
                weight *= scale
                np.exp(weight, out=weight)
                # the floor keeps the bilinear weights where every colour weight underflows
                weight += np.float32(1e-30)
                weight *= wy[dy][:, None, :]
                weight *= wx[dx][None, :, :]
                den += weight
                weight *= low[iy, ix]
                num += weight
        # tile pixels outside their block can have no weight at all: they are thrown away
        np.maximum(den, np.float32(1e-37), out=den)
        num /= den
        index = (y0 + np.arange(sy)[:, None, None]) * width + (x0 + np.arange(sx)[:, None])
        index += offset
        index[~(y_in[:, None, :] & x_in[None, :, :])] = buffer.size - 1
        buffer[index] = num


def upsample_logits(low_res: np.ndarray, height: int, width: int, method: str = "bilinear",
                    frame: np.ndarray | None = None,
                    params: GuidedParams = GuidedParams()) -> np.ndarray:
    """O×h×w float32 logits → O×H×W float32 logits at video resolution.

    ``method="bilinear"``: the official resize (align_corners False; OpenCV's half-pixel
    centres match it). ``"guided"``: :func:`guided_upsample` with ``frame`` (H×W×3 uint8
    RGB) as the guide; objects that are absent (all ``ABSENT_LOGIT``) stay exactly absent.
    """
    check_method(method)
    low = np.asarray(low_res, np.float32)
    # the output and one spare element (scratch of the guided planes)
    buffer = np.empty(low.shape[0] * height * width + 1, np.float32)
    out = buffer[:-1].reshape(low.shape[0], height, width)
    guided = method == "guided" and frame is not None
    if guided and frame.shape[:2] != (height, width):
        raise ValueError(f"guide frame is {frame.shape[:2]}, output {height}×{width}")
    absent = [bool(np.all(plane == ABSENT_LOGIT)) for plane in low]
    bands = [_band_cells(plane, 0.0) if guided and not gone else None
             for plane, gone in zip(low, absent, strict=True)]
    reading = [b for b in bands if b is not None and b[0].size]
    # the frame's cell colours, once for all objects, where their bands read them
    cells = cell_colours(frame, low.shape[1:], *_needed_cells(reading, low.shape[1:])) \
        if reading else None
    for i, plane in enumerate(low):
        if absent[i]:
            out[i] = ABSENT_LOGIT
        elif cells is None:
            cv2.resize(plane, (width, height), dst=out[i], interpolation=cv2.INTER_LINEAR)
        else:
            _guided_into(buffer, i * height * width, plane, frame, params, 0.0, cells,
                         bands[i])
    return out
