"""Upsampling proxy of issue 20: low-resolution mask → 854×480, bilinear vs guided.

    .venv/bin/python benchmarks/bench_upsample.py [--step 1] [--cv] [--methods ...]
    .venv/bin/python benchmarks/bench_upsample.py time [--side 128] [--size 1920x1080]

Every ground-truth mask of the six DAVIS-2016 clips in ../shared/clips is turned into a
low-resolution soft map that stands for a model's prediction, enlarged back to 854×480 by
each method, thresholded at 0.5 and scored against the ground truth: J (IoU) and boundary F
at the DAVIS tolerance (⌈0.008 × diagonal⌉ = 8 px) and at 2 px and 1 px.

Proxies (the low-res map a model would give):
  perfect256  area average to 256×256 (a perfect S/4 prediction of a 1024 model);
  smooth256   the same, Gaussian-blurred by σ = 1.5 low-res px: a model's logits are smooth
              (its decoder upsamples 64×64 features), so thin parts fade and corners round;
  perfect128  area average to 128×128 (the 512-px EfficientTAM models predict 128×128);
  smooth128   the 128×128 map blurred the same way.
Figures are per-clip means averaged over the six clips (as DAVIS does). ``--cv`` scores
each clip with the setting best (J + F at 2 px, summed over the proxies) on the other five.

``time``: the cost of enlarging one object's logits to a frame (default 1080p), bilinear
and guided through ``upsample_logits`` (the tracker's guided path), interleaved in one run,
medians over every 10th frame of the six clips (each enlarged to that size; its logits are
the smooth proxy's). "bilinear, tracker" is the tracker's own bilinear path (torch
``F.interpolate``); "guided, next object" is the cost of each further object of the same
frame (the frame's cell colours are computed once).

Note: the perfect proxies are made from the ground truth itself, so bilinear reproduces the
annotators' sub-pixel edge placement by construction; an image-guided method moves edges onto
the colour edge, which sits up to a pixel off that placement (J -0.007..-0.010 there, F flat).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_edges import SEQS, boundary_f, clip_frames, jaccard  # noqa: E402,I001

from segmentation.upsample import (  # noqa: E402
    GuidedParams,
    cell_colours,
    guided_upsample,
    upsample_logits,
)

PROXIES = {"perfect256": (256, 0.0), "smooth256": (256, 1.5),
           "perfect128": (128, 0.0), "smooth128": (128, 1.5)}
METRICS = ("J", "F", "F@2", "F@1")


def proxy_map(gt: np.ndarray, proxy: str) -> np.ndarray:
    """The side×side float32 soft map in [0, 1] that stands for a model's prediction."""
    side, sigma = PROXIES[proxy]
    low = cv2.resize(gt.astype(np.float32), (side, side), interpolation=cv2.INTER_AREA)
    if sigma > 0:
        low = cv2.GaussianBlur(low, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
    return low


def scores(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """(J, F at ⌈0.008·diagonal⌉ px, F at 2 px, F at 1 px)."""
    tol = math.ceil(0.008 * math.hypot(*gt.shape))
    return np.array([jaccard(pred, gt), boundary_f(pred, gt, tol), boundary_f(pred, gt, 2),
                     boundary_f(pred, gt, 1)])


Upsampler = Callable[[np.ndarray, np.ndarray], np.ndarray]


def bilinear(low: np.ndarray, frame: np.ndarray) -> np.ndarray:
    return cv2.resize(low, (frame.shape[1], frame.shape[0]), interpolation=cv2.INTER_LINEAR)


def guided(params: GuidedParams) -> Upsampler:
    return lambda low, frame: guided_upsample(low, frame, params, threshold=0.5)


#: ``--cv`` grid of the guided upsampling: the colour weight's σ (RGB in [0, 1])
GRID = (0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3)


#: name → {setting label: upsampler}; the first setting is the method's default
def methods() -> dict[str, dict[str, Upsampler]]:
    grid = {f"σ={c:g}": guided(GuidedParams(c)) for c in GRID}
    return {
        "bilinear": {"": bilinear},
        "guided": {"default": guided(GuidedParams()), **grid},
    }


def evaluate(data, names: list[str], cv: bool, proxies: list[str]) -> None:
    table: dict = {}  # (method, setting, proxy, clip) -> scores
    all_methods = methods()
    for name in names:
        settings = all_methods[name] if cv else dict([next(iter(all_methods[name].items()))])
        for label, fn in settings.items():
            for proxy in proxies:
                for seq in SEQS:
                    rows = [scores(fn(proxy_map(gt, proxy), frame) >= 0.5, gt)
                            for frame, gt in data[seq]]
                    table[name, label, proxy, seq] = np.mean(rows, axis=0)
    for name in names:
        labels = list(all_methods[name]) if cv else [next(iter(all_methods[name]))]
        chosen = {}
        for seq in SEQS:
            others = [o for o in SEQS if o != seq]
            chosen[seq] = max(labels, key=lambda lab: sum(
                table[name, lab, p, o][0] + table[name, lab, p, o][2]
                for p in proxies for o in others))
        for proxy in proxies:
            row = np.mean([table[name, chosen[s], proxy, s] for s in SEQS], axis=0)
            table[name, "cv", proxy] = row
        if cv and len(labels) > 1:
            print(f"{name}: settings chosen per held-out clip: "
                  + ", ".join(f"{s} {chosen[s]}" for s in SEQS))
    print(f"{'proxy':11s} {'method':10s} " + " ".join(f"{m:>7s}" for m in METRICS)
          + "   Δ vs bilinear (J, F, F@2, F@1)")
    for proxy in proxies:
        base = table.get(("bilinear", "cv", proxy))
        for name in names:
            row = table[name, "cv", proxy]
            delta = "" if base is None or name == "bilinear" else \
                "   " + " ".join(f"{d:+.4f}" for d in row - base)
            print(f"{proxy:11s} {name:10s} " + " ".join(f"{v:7.4f}" for v in row) + delta)
    print("(" + ("leave-one-clip-out" if cv else "default settings") + ")")


def timing(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="bench_upsample.py time",
                                 description="bilinear vs guided cost per object per frame")
    ap.add_argument("--side", type=int, default=128, help="low-res side (128: 512 models)")
    ap.add_argument("--size", default="1920x1080", help="frame size WxH")
    ap.add_argument("--step", type=int, default=10, help="use every n-th frame")
    ap.add_argument("--repeat", type=int, default=3, help="timings per frame and method")
    args = ap.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    proxy = f"smooth{args.side}"
    PROXIES.setdefault(proxy, (args.side, 1.5))
    import torch

    from segmentation.tracker.postprocess import to_video_resolution

    names = ("bilinear", "bilinear, tracker", "guided", "guided, next object")
    times: dict[str, list[float]] = {name: [] for name in names}
    for seq in SEQS:
        for frame, gt in clip_frames(seq, args.step):
            frame = cv2.resize(frame, (width, height), interpolation=cv2.INTER_CUBIC)
            prob = np.clip(proxy_map(gt, proxy), 1e-4, 1 - 1e-4)
            logits = np.log(prob / (1 - prob))[None].astype(np.float32)
            cells = cell_colours(frame, logits.shape[1:])
            runs = {
                "bilinear": (upsample_logits, (logits, height, width, "bilinear"), {}),
                "bilinear, tracker": (to_video_resolution,
                                      (torch.from_numpy(logits)[:, None], height, width), {}),
                "guided": (upsample_logits, (logits, height, width, "guided", frame), {}),
                "guided, next object": (guided_upsample, (logits[0], frame), {"cells": cells}),
            }
            for r in range(args.repeat):  # interleaved, the order alternating
                for name in (list(runs) if r % 2 == 0 else list(runs)[::-1]):
                    fn, fn_args, fn_kwargs = runs[name]
                    start = time.perf_counter()
                    fn(*fn_args, **fn_kwargs)
                    times[name].append(time.perf_counter() - start)
    base = float(np.median(times["bilinear"]))
    print(f"{args.side}² logits -> {width}×{height}, {len(times['bilinear'])} timings each "
          f"(median ms per object per frame):")
    for name, values in times.items():
        med = float(np.median(values))
        print(f"  {name:20s} {1e3 * med:7.2f} ms   ×{med / base:5.1f} bilinear")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["time"]:
        timing(argv[1:])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--step", type=int, default=1, help="use every n-th frame")
    ap.add_argument("--cv", action="store_true", help="tune by leave-one-clip-out")
    ap.add_argument("--methods", nargs="+", default=["bilinear", "guided"])
    ap.add_argument("--proxies", nargs="+", default=list(PROXIES), choices=list(PROXIES))
    args = ap.parse_args(argv)
    data = {s: clip_frames(s, args.step) for s in SEQS}
    evaluate(data, args.methods, args.cv, args.proxies)


if __name__ == "__main__":
    main()
