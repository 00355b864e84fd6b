"""Export speed against a plain PyAV transcode measured in the same run.

Usage::

    .venv/bin/python benchmarks/bench_export.py [--clip PATH] [--frames N] [--alpha-frames N]

Prints, for the clip (default: the 1280×720 dog clip in ../shared/clips) with a synthetic
elliptical mask (each H.264 case is timed right after a baseline run, ``--rounds`` times, and
the medians are printed, with process CPU ms per frame, which a loaded machine disturbs less):

* plain PyAV decode → libx264 encode (CRF 18, veryfast, yuv420p frames passed straight
  through, no RGB) — the baseline; and the same with an RGB round trip through swscale
  (long-lived contexts, zero-copy wrap), serial in one thread;
* Masklet export, H.264 preset, no effect and background-blur (radius 24 px): fps and ratio
  to the baseline (targets ≥ 0.8× and ≥ 0.6×). With no effect the decoded pictures go to the
  encoder unchanged (BT.709 4:2:0 source), so a third line, background-dim with amount 0,
  shows the export's full RGB path (decode → RGB → effect → YUV → encode);
* ProRes 4444 and VP9-alpha export fps with background-remove;
* blur-background preview (and full render) of a 1080p frame, ms (target ≤ 30 ms).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import av
import cv2
import numpy as np
from av.video.reformatter import VideoReformatter

from rendering.compositor import render_frame, render_preview
from rendering.effects import EffectContext, make_effect
from rendering.effects.stack import EffectInstance, ObjectStack, RenderStacks
from rendering.export import ExportRequest, export_job

DEFAULT_CLIP = Path(__file__).resolve().parents[2] / "shared/clips/sam2-gallery_01_dog/01_dog.mp4"


class EllipseMasks:
    """A soft ellipse in the middle of the frame, drifting right over time."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self._cache: dict[int, np.ndarray] = {}

    def read(self, object_id: int, frame_index: int) -> np.ndarray:
        # Drawing a soft ellipse costs more than the effect; masks move every 8 frames and are
        # drawn before timing (``warm``), as a store would hand over decoded masks.
        key = frame_index // 8
        if key not in self._cache:
            self._cache[key] = self._draw(key * 8)
        return self._cache[key]

    def warm(self, frames: int) -> EllipseMasks:
        for i in range(0, frames, 8):
            self.read(1, i)
        return self

    def _draw(self, frame_index: int) -> np.ndarray:
        m = np.zeros((self.height, self.width), np.float32)
        cx = self.width // 3 + frame_index % (self.width // 3)
        cv2.ellipse(m, (cx, self.height // 2), (self.width // 6, self.height // 3), 0, 0, 360,
                    1.0, -1)
        return cv2.GaussianBlur(m, (0, 0), 2.0)


def plain_transcode(clip: Path, out: Path, frames: int, rgb: bool = False) -> float:
    """fps of decode → libx264 (CRF 18, veryfast) with PyAV alone; ``rgb`` adds the RGB round
    trip every effect needs (yuv → rgb24 ndarray → yuv, BT.709 limited)."""
    t0 = time.perf_counter()
    with av.open(str(clip)) as src, av.open(str(out), "w") as dst:
        vin = src.streams.video[0]
        vin.thread_type = "AUTO"
        vout = dst.add_stream("libx264", rate=vin.average_rate,
                              options={"crf": "18", "preset": "veryfast"})
        vout.width, vout.height, vout.pix_fmt = vin.width, vin.height, "yuv420p"
        n = 0
        to_rgb, to_yuv = VideoReformatter(), VideoReformatter()  # one swscale context each
        for frame in src.decode(vin):
            if rgb:
                arr = to_rgb.reformat(frame, format="rgb24", src_colorspace="ITU709",
                                      dst_color_range="JPEG").to_ndarray()
                frame = to_yuv.reformat(av.VideoFrame.from_numpy_buffer(arr, format="rgb24"),
                                        format="yuv420p", dst_colorspace="ITU709",
                                        dst_color_range="MPEG")
            frame.pts = None
            dst.mux(vout.encode(frame))
            n += 1
            if n >= frames:
                break
        dst.mux(vout.encode(None))
    return n / (time.perf_counter() - t0)


def export_fps(clip: Path, out: Path, preset: str, stacks: RenderStacks, masks, frames: int
               ) -> float:
    t0 = time.perf_counter()
    done = 0
    for progress in export_job(ExportRequest(clip, out, preset, stacks, masks, end=frames)):
        done = progress.frames_done
    return done / (time.perf_counter() - t0)


def preview_ms(clip: Path, repeats: int = 20) -> tuple[float, float]:
    """(preview ms, full-resolution ms) of a background blur on a 1080p frame."""
    with av.open(str(clip)) as src:
        frame = next(src.decode(video=0)).to_ndarray(format="rgb24")
    frame = cv2.resize(frame, (1920, 1080), interpolation=cv2.INTER_LINEAR)
    mask = EllipseMasks(1920, 1080).read(1, 0)
    stacks = _stacks("background-blur", {"radius_px": 24.0})
    times = {}
    for fn in (render_preview, render_frame):
        fn(frame, {1: mask}, stacks, EffectContext())
        t0 = time.perf_counter()
        for _ in range(repeats):
            fn(frame, {1: mask}, stacks, EffectContext())
        times[fn.__name__] = (time.perf_counter() - t0) / repeats * 1000
    return times["render_preview"], times["render_frame"]


def _stacks(effect: str | None, params: dict | None = None) -> RenderStacks:
    background = (EffectInstance(make_effect(effect, params)),) if effect else ()
    return RenderStacks((ObjectStack(1),), background)


def _measure(fn: Callable[[], float], frames: int) -> tuple[float, float]:
    """(fps, CPU ms per frame) of ``fn`` (which returns fps); CPU is this process's user +
    system time over all threads, so it shows the work done whatever else loads the machine."""
    t0 = os.times()
    fps = fn()
    t1 = os.times()
    return fps, (t1.user + t1.system - t0.user - t0.system) / frames * 1000


def _h264_cases(clip: Path, d: Path, masks: EllipseMasks, frames: int
                ) -> list[tuple[str, Callable[[], float]]]:
    def export(name: str, stacks: RenderStacks) -> Callable[[], float]:
        return lambda: export_fps(clip, d / f"{name}.mp4", "h264", stacks, masks, frames)

    return [
        ("plain PyAV + RGB round trip", lambda: plain_transcode(clip, d / "rgb.mp4", frames,
                                                                 rgb=True)),
        ("export h264, no effect", export("none", _stacks(None))),
        ("export h264, background-blur 24 px",
         export("blur", _stacks("background-blur", {"radius_px": 24.0}))),
        ("export h264, background-dim 0 (RGB path)",
         export("dim0", _stacks("background-dim", {"amount": 0.0}))),
    ]


def compare_h264(clip: Path, d: Path, masks: EllipseMasks, frames: int, rounds: int) -> None:
    """Each case right after its own baseline run, ``rounds`` times; medians are printed."""
    baseline = "plain PyAV transcode (x264 crf18 veryfast)"
    results: dict[str, list[tuple[float, float, float, float]]] = {baseline: []}
    for _ in range(rounds):
        for name, run in _h264_cases(clip, d, masks, frames):
            base_fps, base_cpu = _measure(
                lambda: plain_transcode(clip, d / "plain.mp4", frames), frames)
            fps, cpu = _measure(run, frames)
            results[baseline].append((base_fps, 1.0, base_cpu, 1.0))
            results.setdefault(name, []).append((fps, fps / base_fps, cpu, base_cpu / cpu))
    print(f"{'':42s} {'fps':>7s} {'x plain':>8s}  {'CPU ms/f':>8s} {'x plain':>8s}"
          f"   (medians of {rounds}; ratios against the baseline run just before)")
    for name, rows in results.items():
        fps, ratio, cpu, cpu_ratio = (float(np.median(col)) for col in zip(*rows))
        each = "" if name == baseline else " ".join(f"{r[1]:.2f}" for r in rows)
        print(f"{name:42s} {fps:7.1f} {ratio:7.2f}x  {cpu:8.2f} {cpu_ratio:7.2f}x   {each}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--frames", type=int, default=289)
    parser.add_argument("--alpha-frames", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with av.open(str(args.clip)) as c:
        w, h = c.streams.video[0].width, c.streams.video[0].height
    masks = EllipseMasks(w, h).warm(args.frames)
    print(f"clip {args.clip.name} {w}x{h}, {args.frames} frames, load average "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        compare_h264(args.clip, d, masks, args.frames, args.rounds)
        remove = _stacks("background-remove")
        prores = export_fps(args.clip, d / "a.mov", "prores4444", remove, masks,
                            args.alpha_frames)
        vp9 = export_fps(args.clip, d / "a.webm", "vp9-alpha", remove, masks, args.alpha_frames)
    prev, full = preview_ms(args.clip)
    print(f"export prores4444 + alpha ({args.alpha_frames} frames): {prores:7.1f} fps")
    print(f"export vp9-alpha ({args.alpha_frames} frames):          {vp9:7.1f} fps")
    print(f"1080p background-blur: preview (640 px) {prev:.1f} ms, full render {full:.1f} ms")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
