"""Media read benchmark: random access, sequential reads and reverse stepping vs plain PyAV.

Run: ``.venv/bin/python benchmarks/bench_media.py [VIDEO]`` (default: the shared 01_dog clip).
Every figure is a time per frame and a ratio against plain PyAV decoding (+ RGB conversion) of
the same file measured in the same run, so numbers from loaded machines stay comparable.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rendering.media.video_source import VideoSource  # noqa: E402

DEFAULT_CLIP = ROOT.parent / "shared" / "clips" / "sam2-gallery_01_dog" / "01_dog.mp4"
log = logging.getLogger("bench_media")


def plain_decode(path: Path) -> int:
    """Baseline: PyAV decode of every frame with threading, converted to RGB."""
    n = 0
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in c.decode(stream):
            frame.to_ndarray(format="rgb24")
            n += 1
    return n


def timed(fn: Callable[[], int], repeats: int) -> float:
    """Best time per frame (s) over ``repeats`` runs of ``fn`` (which returns frames done)."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        frames = fn()
        best = min(best, (time.perf_counter() - t0) / max(1, frames))
    return best


def sequential_reads(path: Path) -> int:
    with VideoSource(path) as src:
        for i in range(len(src)):
            src.read(i)
        return len(src)


def iter_frames(path: Path) -> int:
    with VideoSource(path) as src:
        return sum(1 for _ in src.iter_frames())


def random_reads(path: Path, count: int, cache_bytes: int) -> int:
    with VideoSource(path, cache_bytes=cache_bytes) as src:
        rng = np.random.default_rng(0)
        for i in rng.integers(0, len(src), count):
            src.read(int(i))
    return count


def reverse_steps(path: Path) -> int:
    """Step backwards from the last frame to frame 0 (like holding the left-arrow key)."""
    with VideoSource(path) as src:
        for i in range(len(src) - 1, -1, -1):
            src.read(i)
        return len(src)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", default=str(DEFAULT_CLIP))
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    path = Path(args.video)
    if not path.exists():
        log.error("%s not found", path)
        return 1
    base = timed(lambda: plain_decode(path), args.repeats)
    rows = [
        ("sequential read(i)", timed(lambda: sequential_reads(path), args.repeats)),
        ("iter_frames()", timed(lambda: iter_frames(path), args.repeats)),
        ("random read, cold (1-frame cache)",
         timed(lambda: random_reads(path, 24, cache_bytes=1), 1)),
        ("random read, default cache", timed(lambda: random_reads(path, 200, 512 * 2**20), 1)),
        ("reverse step (last -> 0)", timed(lambda: reverse_steps(path), 1)),
    ]
    log.info("%s", path)
    log.info("%-36s %10s %8s", "plain PyAV decode + RGB (baseline)", f"{base * 1e3:.2f} ms", "1.00x")
    for name, per_frame in rows:
        log.info("%-36s %10s %7.2fx", name, f"{per_frame * 1e3:.2f} ms", per_frame / base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
