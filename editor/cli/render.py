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

log = logging.getLogger(__name__)


class RenderArgumentError(ValueError):
    """Arguments that do not fit together (the message says what to pass)."""

    user_error = True


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
    return {"crf": getattr(args, "crf", None), "audio": not getattr(args, "no_audio", False),
            "overwrite": getattr(args, "overwrite", False)}


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


def _first_attr(obj, names: tuple[str, ...], default=None):
    for name in names:
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


def _effect_instances(refs):
    """Document ``EffectRef(name, params, enabled, keyframes)`` items → effect instances."""
    from rendering.effects.stack import EffectInstance

    return tuple(EffectInstance.from_parts(r.name, dict(r.params), getattr(r, "enabled", True),
                                           getattr(r, "keyframes", None) or {})
                 for r in refs or ())


def stacks_from_project(project):
    """Render stacks of a document-model project.

    Reads (duck-typed, plain data): ``project.objects`` in z-order (bottom first), each with
    ``object_id`` (or ``id``), ``effects`` (``EffectRef`` items), optional ``refinement``
    (dict of :class:`~rendering.effects.refine.MaskRefinement` fields) and ``visible``;
    ``project.background_effects`` (``EffectRef`` items).
    """
    from rendering.effects.refine import MaskRefinement
    from rendering.effects.stack import ObjectStack, RenderStacks

    objects = []
    for obj in _first_attr(project, ("objects",), ()) or ():
        obj_id = int(_first_attr(obj, ("object_id", "id")))
        refinement = _first_attr(obj, ("refinement",), None) or {}
        if not isinstance(refinement, MaskRefinement):
            refinement = MaskRefinement(**dict(refinement))
        objects.append(ObjectStack(obj_id, _effect_instances(obj.effects), refinement,
                                   bool(getattr(obj, "visible", True))))
    background = _effect_instances(_first_attr(project, ("background_effects",
                                                         "background"), ()))
    return RenderStacks(tuple(objects), background)


def _project_request(args: argparse.Namespace, preset: str):
    """Export request for ``render PROJECT.masklet`` through the document model
    (``editor.model.load_project(path)`` → project with ``source_path`` and a ``masks`` store
    whose ``read(object_id, frame_index)`` gives H×W float32 [0, 1] or None)."""
    from rendering.export.job import ExportRequest

    try:
        from editor.model import load_project
    except ImportError:
        raise RenderArgumentError(
            f"{args.input}: rendering project files needs the document model, which this "
            "build lacks — use `render VIDEO --masks DIR --effect NAME`") from None
    project = load_project(Path(args.input))
    # a clip that changed or masks that went missing would render wrong without a word
    for check in ("check_media", "check_masks"):
        if callable(getattr(project, check, None)):
            getattr(project, check)()
    source = _first_attr(project, ("source_path", "video_path", "media_path"))
    masks = _first_attr(project, ("masks", "store", "masklet_store", "mask_store"))
    # what the project was set up with (in/out points, the export dialog's choices) unless
    # the command line says otherwise
    saved = getattr(project, "export", None)
    start = args.start if args.start is not None else getattr(project, "in_frame", 0)
    end = args.end if args.end is not None else getattr(project, "out_frame", None)
    quality = _quality(args)
    if quality["crf"] is None and getattr(saved, "preset", None) == preset:
        quality["crf"] = getattr(saved, "crf", None)  # a CRF belongs to its preset's codec
    quality["audio"] = quality["audio"] and getattr(saved, "audio", True)
    scale = args.scale or getattr(saved, "scale", 1.0)
    from editor.model.persistence import project_files

    return ExportRequest(source, args.output, preset, stacks_from_project(project), masks,
                         start=start, end=end, scale=scale,
                         inputs=project_files(Path(args.input)), **quality)


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
    if getattr(args, "list_presets", False):
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
