"""Object proposals ("Find objects") speed with SAM 2 on one 1280×720 frame, on this machine.

    .venv/bin/python benchmarks/bench_proposals.py [--config sam2.1_hiera_t] [--points 16 32]
        [--dtypes float32 bfloat16] [--batch 64] [--screenshot docs/proposals.png]

Random weights (``build_sam2(config)``, no checkpoint), CPU. For each dtype the image
embedding is computed once (timed separately), then the whole grid is decoded in batches of
``--batch`` points and filtered/NMS'd/cleaned (timed per ``points_per_side``). bfloat16 runs
under ``torch.autocast("cpu", bfloat16)``. The frame is frame 0 of
``../shared/clips/sam2-gallery_01_dog/01_dog.mp4`` (Apache-2.0, from facebookresearch/sam2),
or a synthetic frame when that clip is absent.

``--screenshot PATH`` also draws the proposals of the first run over the frame (random weights:
the proposals are meaningless blobs; the picture shows the overlay, not model quality).
Thresholds are loosened for it (``--shot-iou``, ``--shot-stability``) so that blobs survive.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from segmentation.proposals import as_point_decoder, propose_objects  # noqa: E402

DOG = ROOT.parent / "shared" / "clips" / "sam2-gallery_01_dog" / "01_dog.mp4"


def read_frame(frame_index: int = 0) -> tuple[np.ndarray, str]:
    """H×W×3 uint8 RGB frame of the dog clip, or a synthetic 1280×720 frame."""
    if DOG.is_file():
        from rendering.media import open_source

        return open_source(DOG).read(frame_index), f"{DOG.name} frame {frame_index}"
    gen = np.random.default_rng(0)
    frame = np.full((720, 1280, 3), 90, np.uint8)
    for _ in range(12):
        x, y = gen.integers(0, 1100), gen.integers(0, 560)
        frame[y:y + 160, x:x + 180] = gen.integers(0, 255, 3)
    return frame, "synthetic 1280x720"


def autocast(dtype: str):
    if dtype == "float32":
        return contextlib.nullcontext()
    return torch.autocast("cpu", dtype=getattr(torch, dtype))


def run(args: argparse.Namespace) -> list[dict]:
    from segmentation.sam2.build import build_sam2

    torch.manual_seed(0)
    model = build_sam2(args.config).eval()
    frame, what = read_frame(args.frame)
    rows = []
    for dtype in args.dtypes:
        decoder = as_point_decoder(model)
        with torch.inference_mode(), autocast(dtype):
            t0 = time.perf_counter()
            decoder.set_image(frame)
            embed_s = time.perf_counter() - t0
        for pps in args.points:
            embedded = _Embedded(decoder)  # reuse the embedding: time the grid only
            with autocast(dtype):
                t0 = time.perf_counter()
                found = propose_objects(embedded, frame, points_per_side=pps,
                                        points_per_batch=args.batch)
                grid_s = time.perf_counter() - t0
            rows.append({"config": args.config, "dtype": dtype, "points_per_side": pps,
                         "frame": what, "size": f"{frame.shape[1]}x{frame.shape[0]}",
                         "embed_s": round(embed_s, 2), "grid_s": round(grid_s, 2),
                         "total_s": round(embed_s + grid_s, 2), "proposals": len(found),
                         "threads": torch.get_num_threads()})
            print(json.dumps(rows[-1]), flush=True)
    if args.screenshot:
        screenshot(model, frame, args)
    return rows


class _Embedded:
    """Decoder wrapper whose ``set_image`` is a no-op (the embedding is already set)."""

    def __init__(self, decoder) -> None:
        self._decoder = decoder

    def set_image(self, image: np.ndarray) -> None:
        pass

    def decode_points(self, points_xy, multimask_output):
        return self._decoder.decode_points(points_xy, multimask_output)


def screenshot(model, frame: np.ndarray, args: argparse.Namespace) -> None:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    from editor.proposals.overlay import ProposalOverlay, render_on_frame

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841  (QImage painting)
    found = propose_objects(model, frame, points_per_side=args.points[0],
                            pred_iou_thresh=args.shot_iou,
                            stability_score_thresh=args.shot_stability)
    overlay = ProposalOverlay()
    overlay.set_proposals(args.frame, found)
    if found:
        best = found[0]
        overlay.hover(*best.point_xy)
    image = render_on_frame(frame, overlay, scale=args.shot_scale)
    Path(args.screenshot).parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(args.screenshot)):
        raise SystemExit(f"could not write {args.screenshot}")
    print(json.dumps({"screenshot": str(args.screenshot), "proposals": len(found)}))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default="sam2.1_hiera_t")
    p.add_argument("--points", type=int, nargs="+", default=[16, 32])
    p.add_argument("--dtypes", nargs="+", default=["float32", "bfloat16"],
                   choices=["float32", "bfloat16"])
    p.add_argument("--batch", type=int, default=64, help="points per decoder batch")
    p.add_argument("--frame", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--screenshot", default=None, metavar="PNG")
    p.add_argument("--shot-iou", type=float, default=0.0)
    p.add_argument("--shot-stability", type=float, default=0.5)
    p.add_argument("--shot-scale", type=float, default=0.75)
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
