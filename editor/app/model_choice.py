"""Which model to track with, in a user's words: *Fast*, *Balanced*, *Accurate*.

Each choice names one official checkpoint per machine kind ("cuda": a CUDA GPU; "cpu":
everything else — CPUs and Apple GPUs, where nothing was measured), with its download size
(the registry's estimate) and a speed line from :data:`SPEEDS`, the one table to update when
``benchmarks/bench_tracker.py speed --model <config>`` is re-run.

Why these checkpoints:

* **Fast — EfficientTAM-S-512** everywhere: on a 2-core CPU it tracks 6-8× faster than any
  1024-pixel model (the memory attention over 64×64 features dominates those; at 512 pixels
  it works on 32×32); the EfficientTAM paper (arXiv 2411.18933) puts its family level with
  SAM 2 on DAVIS. The recommended choice without a CUDA GPU.
* **Balanced — SAM 2.1 small** everywhere: SAM 2.1's tracker at 1024 pixels, better on hard
  clips than tiny (official table: MOSE val J&F 73.5 vs 71.8) for little more time (A100:
  84.8 vs 91.2 frames/s; on a CPU both are dominated by the same memory attention).
  EfficientTAM-S at 1024 pixels was the other candidate: it is Fast's network at four times
  the pixels and, on a CPU, as slow as SAM 2.1 (3.9 s/frame, official code, float32), so a
  clip that Fast loses wants SAM 2.1's tracker rather than more pixels of the same one.
* **Accurate — SAM 2.1 large with a CUDA GPU** (official SA-V test J&F 79.5; 39.5 frames/s on
  an A100), **SAM 2.1 base+ without** (78.2): on a CPU, large's trunk (2.8× base+'s
  parameters, a 2.8× bigger download) costs far more time for about one point. Not tiny on a CPU: Accurate must not be
  less accurate than Balanced.

Qt-free (the window's dialogs and, later, the command line read it).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Machine kinds the table distinguishes.
KINDS = ("cpu", "cuda")


@dataclass(frozen=True)
class Speed:
    """Seconds per frame tracking one object on one machine kind, first pass (features not
    cached), median of frames 8-19 of the bedroom clip; None where not measured.
    ``how`` says how and where (shown to the user in a tooltip)."""

    float32_s: float | None
    bfloat16_s: float | None
    how: str


#: (checkpoint, machine kind) → measured speed. "cpu" is the benchmark machine kind: a 2-core
#: x86 CPU with bfloat16 arithmetic (AVX512-BF16/AMX), 2 torch threads, random weights.
_MEASURED = ("Masklet, 2 CPU cores, 1 object, median s/frame, all models interleaved in one "
             "run (benchmarks: bench_tracker.py compare --model …)")

SPEEDS: dict[tuple[str, str], Speed] = {
    # Masklet's own models, random weights, 1 object, bedroom frames (960×540), 2 CPU cores
    # (Xeon with AMX bfloat16), torch 2.14, median of frames 4–13, all models interleaved
    # frame by frame in one run (load drift cancels), stop of 2026-12-03 (session 6)
    ("efficienttam_s_512x512", "cpu"): Speed(0.45, 0.18, _MEASURED),
    ("sam2.1_hiera_tiny", "cpu"): Speed(3.47, 1.13, _MEASURED),
    ("sam2.1_hiera_small", "cpu"): Speed(3.76, 1.18, _MEASURED),
    ("sam2.1_hiera_base_plus", "cpu"): Speed(5.01, 1.68, _MEASURED),
}


@dataclass(frozen=True)
class Tier:
    """One choice: ``key`` (saved in preferences), ``label`` (what the user reads), ``words``
    (one line on when to pick it) and the checkpoint it means on each machine kind."""

    key: str
    label: str
    words: str
    cpu: str
    cuda: str

    def checkpoint(self, kind: str) -> str:
        """The registry name this choice means on ``kind`` ("cpu" or "cuda")."""
        if kind not in KINDS:
            raise ValueError(f"unknown machine kind {kind!r}; expected one of {KINDS}")
        return self.cuda if kind == "cuda" else self.cpu


TIERS: tuple[Tier, ...] = (
    Tier("fast", "Fast", "quick previews and long clips; good on most clips",
         "efficienttam_s_512x512", "efficienttam_s_512x512"),
    Tier("balanced", "Balanced", "steadier through occlusions and busy scenes",
         "sam2.1_hiera_small", "sam2.1_hiera_small"),
    Tier("accurate", "Accurate", "finest outlines and hardest clips, slowest",
         "sam2.1_hiera_base_plus", "sam2.1_hiera_large"),
)

#: How the choice names a checkpoint to a user.
DISPLAY_NAMES = {
    "efficienttam_s_512x512": "EfficientTAM-S-512",
    "sam2.1_hiera_tiny": "SAM 2.1 tiny",
    "sam2.1_hiera_small": "SAM 2.1 small",
    "sam2.1_hiera_base_plus": "SAM 2.1 base+",
    "sam2.1_hiera_large": "SAM 2.1 large",
}


def machine_kind(devices: list[str] | None = None) -> str:
    """"cuda" when a CUDA GPU is available (``devices`` as from
    :func:`editor.app.engines.available_devices`), else "cpu"."""
    if devices is None:
        from editor.app.engines import available_devices

        devices = available_devices()
    return "cuda" if "cuda" in devices else "cpu"


def get_tier(key: str) -> Tier:
    for tier in TIERS:
        if tier.key == key:
            return tier
    raise ValueError(f"unknown model choice {key!r}; expected one of "
                     f"{', '.join(t.key for t in TIERS)}")


def recommended(kind: str) -> Tier:
    """Fast without a CUDA GPU; Accurate with one (SAM 2.1 large tracks in real time there)."""
    return get_tier("accurate" if kind == "cuda" else "fast")


def tier_of(model_name: str, kind: str) -> Tier | None:
    """The choice whose checkpoint on ``kind`` is ``model_name`` (None: another checkpoint)."""
    return next((t for t in TIERS if t.checkpoint(kind) == model_name), None)


def download_mb(model_name: str) -> int:
    """The registry's size estimate in MB (10⁶ bytes)."""
    from segmentation.weights import get_checkpoint

    return round(get_checkpoint(model_name).approx_size_bytes / 1e6)


def speed_line(model_name: str, kind: str) -> str:
    """What tracking one object costs on ``kind``, e.g. "about 1.7-3.5 s per frame on a
    2-core CPU", or says it was not measured."""
    speed = SPEEDS.get((model_name, kind))
    where = "on a CUDA GPU" if kind == "cuda" else "on a 2-core CPU"
    figures = sorted(s for s in (speed.float32_s, speed.bfloat16_s) if s is not None) \
        if speed else []
    if not figures:
        return f"speed {where}: not measured yet"
    span = (f"{figures[0]:.1f}" if len(figures) == 1 or figures[0] == figures[-1]
            else f"{figures[0]:.1f}-{figures[-1]:.1f}")
    return f"about {span} s per frame and object {where}"


def describe(tier: Tier, kind: str, installed: bool = False) -> str:
    """One line for a dialog: "EfficientTAM-S-512 · 136 MB download · about 0.6 s per frame
    and object on a 2-core CPU" ("installed" instead of the size once it is)."""
    name = tier.checkpoint(kind)
    size = "installed" if installed else f"{download_mb(name)} MB download"
    return f"{DISPLAY_NAMES.get(name, name)} · {size} · {speed_line(name, kind)}"


def speed_source(model_name: str, kind: str) -> str:
    """How the speed figure was measured (for a tooltip); "" when there is none."""
    speed = SPEEDS.get((model_name, kind))
    return speed.how if speed else ""
