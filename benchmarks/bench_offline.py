"""Offline engine on the DAVIS-2016 clips in ../shared/clips: J, F, J&F and frames/s.

    .venv/bin/python benchmarks/bench_offline.py [--prompt mask|box] [--seqs dog camel ...]

Each sequence is prompted on frame 0 (its ground-truth mask, or the box around it), then
propagated forward; masks are scored with ../shared/clips/eval_jf.py (first frame skipped).
Speed counts reading the JPEG frames and tracking (not writing PNGs). A baseline measured in
the same run — flow warping alone, without GrabCut refinement — gives the ratios.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from segmentation.offline import FlowParams, OfflineTracker  # noqa: E402

CLIPS = ROOT.parent / "shared" / "clips"
SEQS = ["blackswan", "bmx-trees", "camel", "dog", "libby", "soapbox"]


class JpegFolder:
    """Frame source over ``00000.jpg…`` (RGB uint8)."""

    def __init__(self, folder: Path) -> None:
        self.paths = sorted(folder.glob("*.jpg"))

    def __len__(self) -> int:
        return len(self.paths)

    def read(self, frame_index: int) -> np.ndarray:
        return cv2.cvtColor(cv2.imread(str(self.paths[frame_index])), cv2.COLOR_BGR2RGB)


def first_mask(seq_dir: Path) -> np.ndarray:
    gt = np.array(Image.open(sorted((seq_dir / "Annotations").glob("*.png"))[0]))
    return (gt > 0) & (gt != 255)


def run_sequence(seq: str, params: FlowParams, prompt: str, out_dir: Path) -> tuple[int, float]:
    seq_dir = CLIPS / f"davis2016_{seq}"
    frames = JpegFolder(seq_dir / "JPEGImages")
    mask = first_mask(seq_dir)
    start = time.perf_counter()
    tracker = OfflineTracker(frames, params=params)
    if prompt == "mask":
        tracker.add_prompt(0, 1, mask=mask)
    else:
        ys, xs = np.nonzero(mask)
        tracker.add_prompt(0, 1, box=[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
    results = []
    for result in tracker.propagate(0):
        results.append((result.frame_index, result.mask(1)))
    elapsed = time.perf_counter() - start
    out_dir.mkdir(parents=True, exist_ok=True)
    for frame_index, m in results:
        cv2.imwrite(str(out_dir / f"{frame_index:05d}.png"), m.astype(np.uint8) * 255)
    return len(results), elapsed


def score(pred_root: Path, seqs: list[str]) -> dict[str, tuple[float, float]]:
    json_path = pred_root / "scores.json"
    subprocess.run([sys.executable, str(CLIPS / "eval_jf.py"), "--pred-root", str(pred_root),
                    "--gt-root", str(CLIPS), "--seqs", *[f"davis2016_{s}" for s in seqs],
                    "--json", str(json_path)], check=True, capture_output=True)
    data = json.loads(json_path.read_text())
    out = {}
    for r in data["results"]:
        m = next(iter(r["objects"].values()))
        out[r["name"].replace("davis2016_", "")] = (m["J_mean"], m["F_mean"])
    return out


def evaluate(label: str, params: FlowParams, prompt: str, seqs: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        frames_total, seconds_total = 0, 0.0
        for seq in seqs:
            n, s = run_sequence(seq, params, prompt, Path(tmp) / f"davis2016_{seq}")
            frames_total += n
            seconds_total += s
        scores = score(Path(tmp), seqs)
    print(f"\n[{label}] prompt={prompt}")
    print(f"{'sequence':<12}{'J':>8}{'F':>8}{'J&F':>8}")
    for seq in seqs:
        j, f = scores[seq]
        print(f"{seq:<12}{j:>8.3f}{f:>8.3f}{(j + f) / 2:>8.3f}")
    jm = float(np.mean([scores[s][0] for s in seqs]))
    fm = float(np.mean([scores[s][1] for s in seqs]))
    fps = frames_total / seconds_total
    print(f"{'mean':<12}{jm:>8.3f}{fm:>8.3f}{(jm + fm) / 2:>8.3f}   {fps:.1f} frames/s "
          f"({frames_total} frames, {seconds_total:.1f} s)")
    return {"jf": (jm + fm) / 2, "fps": fps}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompt", choices=["mask", "box"], default="mask")
    parser.add_argument("--seqs", nargs="*", default=SEQS)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE",
                        help="override FlowParams fields, e.g. --set work_side_px=480")
    args = parser.parse_args()
    overrides = {k: type(getattr(FlowParams(), k))(eval(v))  # noqa: S307 - developer tool
                 for k, v in (item.split("=", 1) for item in args.set)}
    params = replace(FlowParams(), **overrides)
    if not CLIPS.is_dir():
        print(f"{CLIPS} is absent: nothing to measure", file=sys.stderr)
        return 0
    cv2.setNumThreads(max(1, cv2.getNumThreads()))
    ours = evaluate(f"offline engine {overrides or ''}", params, args.prompt, args.seqs)
    if not args.no_baseline:
        base = evaluate("baseline: flow warp only", replace(params, grabcut_iterations=0),
                        args.prompt, args.seqs)
        print(f"\nJ&F ratio engine/baseline: {ours['jf'] / max(base['jf'], 1e-9):.2f}   "
              f"speed ratio: {ours['fps'] / base['fps']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
