"""SAM 2 image-path speed: image encoder, ``set_image`` and ``predict``, random weights.

Usage::

    .venv/bin/python benchmarks/bench_sam2_image.py [--configs sam2.1_hiera_t sam2.1_hiera_s]
        [--dtypes float32 bfloat16] [--threads 2] [--repeats 3] [--device cpu]

For each config and dtype prints the median image-encoder time per 1024×1024 frame, the
``set_image`` time (preprocessing included) and one ``predict`` (one click, multimask), with
the ratio to the official figures on the reference machine kind (2 CPU cores, float32,
2 threads: encoder 2.54 s, ``set_image`` 2.51 s, ``predict`` 62 ms), and the bfloat16
deviation from float32 (max |Δ logit| and mask agreement of the same prompt).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from segmentation.sam2 import ImagePredictor, build_sam2

OFFICIAL_S = {"encoder": 2.54, "set_image": 2.51, "predict": 0.062}


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _median_s(fn, repeats: int, device: str) -> float:
    fn()  # warm-up
    _sync(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def matmul_gflops(device: str) -> float:
    """Machine-load calibration: float32 4096×256 @ 256×256 GFLOP/s right now."""
    a = torch.randn(4096, 256, device=device)
    w = torch.randn(256, 256, device=device)
    seconds = _median_s(lambda: torch.nn.functional.linear(a, w), 20, device)
    return 2 * 4096 * 256 * 256 / seconds / 1e9


def bench(config: str, dtype: torch.dtype, device: str, repeats: int,
          image: np.ndarray, reference: dict) -> dict:
    torch.manual_seed(0)
    model = build_sam2(config, device=device, dtype=dtype)
    predictor = ImagePredictor(model)
    x = torch.randn(1, 3, 1024, 1024, device=device)
    with torch.inference_mode():
        enc = _median_s(lambda: model.encode_image(x), repeats, device)
    setim = _median_s(lambda: predictor.set_image(image), repeats, device)
    click = (np.array([[400.0, 300.0]]), np.array([1]))
    pred = _median_s(lambda: predictor.predict(*click), max(repeats, 10), device)
    result = predictor.predict(*click)
    row = dict(encoder=enc, set_image=setim, predict=pred, logits=result.logits)
    if config in reference:
        ref = reference[config]
        row["max_dlogit"] = float(np.abs(result.logits - ref).max())
        row["agreement"] = float(((result.logits > 0) == (ref > 0)).mean())
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", default=["sam2.1_hiera_t", "sam2.1_hiera_s"])
    parser.add_argument("--dtypes", nargs="+", default=["float32", "bfloat16"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    image = np.random.default_rng(0).integers(0, 256, (720, 1280, 3), dtype=np.uint8)
    reference: dict[str, np.ndarray] = {}
    print(f"device {args.device}, threads {torch.get_num_threads()}, torch {torch.__version__}, "
          f"matmul {matmul_gflops(args.device):.1f} GFLOP/s (load calibration)")
    for config in args.configs:
        for name in args.dtypes:
            row = bench(config, getattr(torch, name), args.device, args.repeats, image, reference)
            if name == "float32":
                reference[config] = row["logits"]
            dev = ""
            if "max_dlogit" in row and name != "float32":
                dev = f"  vs float32: max|Δlogit| {row['max_dlogit']:.3f}, mask agreement {row['agreement']:.4f}"
            print(f"{config:16s} {name:9s} encoder {row['encoder']:.3f} s "
                  f"({row['encoder'] / OFFICIAL_S['encoder']:.2f}× official)  "
                  f"set_image {row['set_image']:.3f} s ({row['set_image'] / OFFICIAL_S['set_image']:.2f}×)  "
                  f"predict {1000 * row['predict']:.1f} ms ({row['predict'] / OFFICIAL_S['predict']:.2f}×)"
                  + dev)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
