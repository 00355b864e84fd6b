"""``masklet render``: export a project, or a video plus a mask folder, to a file.

Forms::

    masklet render PROJECT.masklet -o OUT [--preset NAME] [--start N --end M] [--scale S]
                   [--crf Q] [--no-audio]
    masklet render VIDEO --masks DIR --effect background-blur -o OUT
    masklet render --list-presets -o -

A project renders its in/out range, scale, quality and audio choice as saved (the export
dialog keeps them) unless the options say otherwise.

Progress goes to stderr; Ctrl+C stops between frames and leaves no partial output.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from editor.cli.errors import CliError

log = logging.getLogger(__name__)


class RenderArgumentError(CliError, ValueError):
    """Arguments that do not fit together (the message says what to pass)."""


def _list_presets() -> int:
    from rendering.export.presets import PRESETS

    for p in PRESETS:
        print(f"{p.name:16s} {p.description}")
    return 0


def _stacks_for_effect(effect_name: str, object_ids: tuple[int, ...]):
    """Background effects get the union of all objects; object effects go on every object."""
    from rendering.effects.base import make_effect
    from rendering.effects.stack import EffectInstance, ObjectStack, RenderStacks

    inst = EffectInstance(make_effect(effect_name))
    if inst.effect.target == "background":
        return RenderStacks(tuple(ObjectStack(i) for i in object_ids), (inst,))
    return RenderStacks(tuple(ObjectStack(i, (inst,)) for i in object_ids))


def _quality(args: argparse.Namespace) -> dict:
    """``--crf``, ``--no-audio`` and ``--overwrite`` as ExportRequest fields."""
    return {"crf": args.crf, "audio": not args.no_audio, "overwrite": args.overwrite}


def _mask_request(args: argparse.Namespace, preset: str):
    from rendering.export.job import ExportRequest
    from rendering.export.mask_folder import FolderMaskSource

    if not args.effect:
        raise RenderArgumentError("render VIDEO --masks DIR needs --effect NAME "
                                  "(e.g. --effect background-blur)")
    from rendering.media.probing import probe

    info = probe(args.input)
    masks = FolderMaskSource(args.masks, frame_size=(info.width, info.height))
    stacks = _stacks_for_effect(args.effect, masks.object_ids)
    return ExportRequest(args.input, args.output, preset, stacks, masks,
                         start=args.start or 0, end=args.end, scale=args.scale or 1.0,
                         inputs=(args.masks,), **_quality(args))


def _project_request(args: argparse.Namespace, preset: str):
    """``render PROJECT.masklet``: the project's saved range and export choices unless the
    options say otherwise (see :func:`editor.app.export.saved_export_request`)."""
    from editor.app.export import saved_export_request

    quality = _quality(args)
    return saved_export_request(args.input, args.output, preset, args.start, args.end,
                                args.scale, **quality)


def _preset_name(args: argparse.Namespace) -> str:
    from rendering.export.presets import default_preset_for

    return args.preset or default_preset_for(Path(args.output).suffix)


class _Progress:
    """Rate-limited one-line progress on stderr."""

    def __init__(self) -> None:
        self.last = 0.0

    def show(self, p, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.last < 0.25:
            return
        self.last = now
        sys.stderr.write(f"\rrendering {p.frames_done}/{p.total} frames  {p.fps:6.1f} frames/s"
                         f"  ETA {p.eta_s:5.0f} s ")
        sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    if args.list_presets:
        return _list_presets()
    from rendering.export.job import export_job

    if not args.input or not args.output:
        raise RenderArgumentError("render needs an input (PROJECT.masklet or VIDEO) and "
                                  "-o OUT")
    preset = _preset_name(args)
    if args.masks:
        request = _mask_request(args, preset)
    elif str(args.input).endswith(".masklet"):
        request = _project_request(args, preset)
    else:
        raise RenderArgumentError(f"{args.input}: pass a PROJECT.masklet, or a video with "
                                  "--masks DIR --effect NAME")
    progress, last = _Progress(), None
    job = export_job(request)
    try:
        for last in job:
            progress.show(last)
    except KeyboardInterrupt:
        job.close()
        sys.stderr.write(f"\nrender cancelled; {args.output} was not written\n")
        return 130
    if last is not None:
        progress.show(last, final=True)
    sys.stderr.write(f"\nwrote {args.output}\n")
    return 0
