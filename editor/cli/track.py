"""``masklet track VIDEO --prompts PROMPTS.json -o DIR``: masklets from the command line.

Writes ``DIR/<object_id>/<frame_index:05d>.png`` (8-bit, 0/255, or soft 0–255 =
round(255·sigmoid(logit)) with ``--soft``; source frame indices) and ``DIR/summary.json``.
Each PNG is written under a temporary name and renamed, so an interrupted run (Ctrl+C) keeps
every frame it finished; the summary says ``"interrupted": true``.

Propagation: forward from the earliest prompted frame to ``--end``, then in reverse from the
latest first-prompt frame of any object down to ``--start``; each object's masks before its
first prompted frame come from the reverse pass.

SAM 2 weights: ``--checkpoint`` (an official ``{"model": state_dict}`` file; its config is
detected from the tensor shapes) or ``--model`` (an installed official checkpoint). A custom
model (e.g. the reference "micro" model) needs its manifest-schema config JSON beside the
checkpoint, as ``<stem>.json`` or ``config.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from editor.cli.errors import CliError
from editor.model.atomic import atomic_write_bytes
from segmentation.sam2.precision import resolve_precision

log = logging.getLogger(__name__)


class TrackError(CliError):
    """A problem with ``track``'s inputs or output the user can fix."""


class ClipView:
    """Frames ``[start, end)`` of a frame source, re-indexed from 0."""

    def __init__(self, source, start: int, end: int) -> None:
        self.source, self.start, self.end = source, start, end

    def __len__(self) -> int:
        return self.end - self.start

    def read(self, frame_index: int) -> np.ndarray:
        return self.source.read(self.start + frame_index)


@dataclass
class Progress:
    """One stderr line: frames done / total, frames/s and ETA (at most 5 updates a second)."""

    total: int
    done: int = 0
    began: float = field(default_factory=time.monotonic)
    last: float = 0.0

    def advance(self) -> None:
        self.done += 1
        now = time.monotonic()
        if now - self.last < 0.2 and self.done < self.total:
            return
        self.last = now
        fps = self.done / max(now - self.began, 1e-6)
        eta = (self.total - self.done) / fps if fps > 0 else 0.0
        sys.stderr.write(f"\rtracking {self.done}/{self.total} frames  {fps:5.1f} frames/s  "
                         f"ETA {int(eta) // 60}:{int(eta) % 60:02d}  ")
        sys.stderr.flush()

    @property
    def fps(self) -> float:
        return self.done / max(time.monotonic() - self.began, 1e-6)


def frame_range(args: argparse.Namespace, num_frames: int) -> tuple[int, int]:
    """``[start, end)`` from ``--start``/``--end`` (end exclusive), checked against the clip."""
    start = 0 if args.start is None else args.start
    end = num_frames if args.end is None else args.end
    if not 0 <= start < num_frames:
        raise TrackError(f"--start {start} is outside the clip (frames 0..{num_frames - 1})")
    if not start < end <= num_frames:
        raise TrackError(f"--end {end} must be after --start {start} and at most {num_frames}")
    return start, end


def write_png(path: Path, image: np.ndarray) -> None:
    """Write an 8-bit PNG atomically (temporary name in the same folder, then rename)."""
    import cv2

    ok, data = cv2.imencode(".png", image)
    if not ok:
        raise TrackError(f"{path}: could not encode the mask as PNG")
    try:
        atomic_write_bytes(path, data.tobytes(), fsync=False)
    except OSError as exc:
        raise TrackError(f"{path}: cannot write the mask ({exc.strerror})") from None


def logits_to_png(logits: np.ndarray, soft: bool) -> np.ndarray:
    """H×W float32 logits → H×W uint8: 0/255, or round(255·sigmoid) with ``soft``."""
    if not soft:
        return np.where(logits > 0, 255, 0).astype(np.uint8)
    clipped = np.clip(logits, -30.0, 30.0)
    return np.round(255.0 / (1.0 + np.exp(-clipped))).astype(np.uint8)


def write_json(path: Path, data: dict) -> None:
    """Write ``data`` as JSON atomically; a failure is a :class:`TrackError` naming ``path``."""
    try:
        atomic_write_bytes(path, json.dumps(data, indent=2).encode("utf-8"), fsync=False)
    except OSError as exc:
        raise TrackError(f"{path}: cannot write the summary ({exc.strerror or exc}) — free "
                         "disk space or choose another output folder with -o") from None


def run(args: argparse.Namespace) -> int:
    from rendering.media import open_source
    from segmentation.prompts import check_against_clip, load_prompts

    prompts = load_prompts(args.prompts)
    source = open_source(args.video, fps=getattr(args, "fps", None))
    num_frames, width, height = len(source), int(source.width), int(source.height)
    check_against_clip(prompts, num_frames, width, height)
    start, end = frame_range(args, num_frames)
    if not any(start <= p.frame_index < end for o in prompts.objects for p in o.prompts):
        raise TrackError(f"{args.prompts}: no prompt lies in frames {start}..{end - 1} "
                         "(--start/--end)")
    check_output(args, prompts)
    view = ClipView(source, start, end)
    engine, engine_label = make_engine(args, view)
    return TrackJob(args, prompts, view, engine, engine_label).run()


# ---------------------------------------------------------------------------- engines
def make_engine(args: argparse.Namespace, view: ClipView):
    """(engine, label) for ``--engine``: the offline tracker or SAM 2 with its weights
    (``--checkpoint``, ``--model`` or the first installed; ``--device``, ``--dtype``)."""
    from editor.app import engines

    if args.engine == "offline":
        return engines.build_tracker("offline", view), "offline"
    from editor.app import model_choice

    # without --model, suggest what the editor recommends on this machine (Fast on a CPU)
    name = args.model or model_choice.recommended(model_choice.machine_kind()).checkpoint(
        model_choice.machine_kind())
    size = "" if args.model else f" (about {model_choice.download_mb(name)} MB)"
    advice = (f"download weights with `python main.py models download {name}`{size}, "
              "or track without weights with `--engine offline`")
    path, _ = engines.choose_checkpoint(args.model, args.checkpoint, exact=True,
                                        advice=advice)
    device = engines.resolve_device(args.device)
    precision = resolve_precision(args.dtype, device)
    model = engines.load_model(path, device, precision)
    return (engines.build_tracker("sam2", view, model),
            f"sam2 ({path.name}, {device}, {precision})")


# ------------------------------------------------------------------------------- job
def check_output(args: argparse.Namespace, prompts) -> None:
    """Refuse, before any work, an output folder that is or holds an input, or that holds
    files we did not write (unless ``--overwrite``)."""
    from rendering.media import outputs

    masks = [a.mask_path for o in prompts.objects for a in o.prompts if a.mask_path]
    outputs.check_output(args.output, (args.video, args.prompts, *masks), outputs.TRACK,
                         getattr(args, "overwrite", False))


def prepare_output(out: Path) -> None:
    """Make the checked ``out`` ready for this run: the mask folders and summary of an
    earlier run are removed (stale objects would be read by ``render --masks``); nothing
    else is touched."""
    from rendering.media import outputs

    outputs.remove_ours(out, outputs.TRACK)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TrackError(f"{out}: cannot create the output folder ({exc.strerror}) — choose "
                         "a folder you can write to") from None


class TrackJob:
    """Applies the prompts, runs the two passes, writes the PNGs and the summary."""

    def __init__(self, args: argparse.Namespace, prompts, view: ClipView, engine,
                 engine_label: str) -> None:
        self.args, self.prompts, self.view = args, prompts, view
        self.engine, self.engine_label = engine, engine_label
        self.out = Path(args.output)
        self.first: dict[int, int] = {}  # object id -> first prompted frame (view index)
        self.scores: dict[int, list[float | None]] = {
            o.object_id: [None] * len(view) for o in prompts.objects}
        self.written = 0

    def apply_prompts(self) -> None:
        from segmentation.prompts import load_mask

        width, height = self.view.source.width, self.view.source.height
        for obj in self.prompts.objects:
            seen: set[int] = set()
            for action in obj.prompts:
                frame = action.frame_index - self.view.start
                if not 0 <= frame < len(self.view):
                    continue
                mask = None if action.mask_path is None else load_mask(
                    action.mask_path, width, height, self.prompts.source,
                    f"object {obj.object_id}, frame {action.frame_index}")
                self.engine.add_prompt(
                    frame, obj.object_id, points=action.points or None,
                    labels=action.labels or None, box=action.box, mask=mask,
                    clear=action.clear or frame not in seen)
                seen.add(frame)
                self.first[obj.object_id] = min(self.first.get(obj.object_id, frame), frame)

    def passes(self) -> list[tuple[int, bool]]:
        """(start frame, reverse) of each propagation pass (view indices)."""
        plan = [(min(self.first.values()), False)]
        reverse_from = max(self.first.values())
        if reverse_from > 0:
            plan.append((reverse_from, True))
        return plan

    def total_frames(self) -> int:
        (fwd, _), *rest = self.passes()
        return len(self.view) - fwd + sum(start + 1 for start, _ in rest)

    def write(self, result, reverse: bool) -> None:
        for k, object_id in enumerate(result.object_ids):
            first = self.first.get(object_id)
            if first is None or (result.frame_index < first) != reverse:
                continue  # the other pass writes this object on this frame
            frame = self.view.start + result.frame_index
            folder = self.out / str(object_id)
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise TrackError(f"{folder}: cannot create the mask folder "
                                 f"({exc.strerror or exc}) — free disk space or choose "
                                 "another output folder with -o") from None
            write_png(folder / f"{frame:05d}.png",
                      logits_to_png(result.logits[k], self.args.soft))
            self.scores[object_id][result.frame_index] = float(result.object_scores[k])
            self.written += 1

    def run(self) -> int:
        began = time.monotonic()
        prepare_output(self.out)
        self.apply_prompts()
        prompt_s = time.monotonic() - began
        progress = Progress(self.total_frames())
        interrupted = False
        try:
            for start, reverse in self.passes():
                for result in self.engine.propagate(start=start, reverse=reverse):
                    self.write(result, reverse)
                    progress.advance()
        except KeyboardInterrupt:
            self.engine.cancel()
            interrupted = True
        sys.stderr.write("\n")
        self.write_summary(interrupted, time.monotonic() - began, prompt_s, progress)
        if interrupted:
            print(f"masklet: interrupted; {self.written} masks kept in {self.out}",
                  file=sys.stderr)
            return 130
        print(f"wrote {self.written} masks for {len(self.first)} objects to {self.out}",
              file=sys.stderr)
        return 0

    def write_summary(self, interrupted: bool, total_s: float, prompt_s: float,
                      progress: Progress) -> None:
        view, src = self.view, self.view.source
        fps = getattr(src, "fps", None)
        summary = {
            "version": 1,
            "video": str(self.args.video),
            "prompts": str(self.args.prompts),
            "engine": self.engine_label,
            "width": int(src.width), "height": int(src.height),
            "fps": None if fps is None else str(fps),
            "frames": {"start": view.start, "end": view.end, "count": len(view)},
            "soft": bool(self.args.soft),
            "objects": [{"id": o.object_id, "name": o.name,
                         "first_prompt_frame": None if o.object_id not in self.first
                         else view.start + self.first[o.object_id],
                         "frames_present": sum(1 for s in self.scores[o.object_id]
                                               if s is not None and s > 0)}
                        for o in self.prompts.objects],
            "object_scores": {str(oid): s for oid, s in self.scores.items()},
            "masks_written": self.written,
            "interrupted": interrupted,
            "timing": {"total_s": round(total_s, 3), "prompts_s": round(prompt_s, 3),
                       "tracked_frames": progress.done,
                       "frames_per_s": round(progress.fps, 2)},
        }
        write_json(self.out / "summary.json", summary)
