"""Project → what ``rendering`` renders: effect stacks and the export request.

One place for the export dialog, the viewer's preview and ``masklet render``. Qt-free."""

from __future__ import annotations

from pathlib import Path


def _effect_instances(refs):
    """Document ``EffectRef(name, params, enabled, keyframes)`` items → effect instances."""
    from rendering.effects.stack import EffectInstance

    return tuple(EffectInstance.from_parts(r.name, dict(r.params), r.enabled,
                                           r.keyframes or {}) for r in refs)


def stacks_from_project(project):
    """The project's :class:`~rendering.effects.stack.RenderStacks`: its objects in z-order
    (bottom first) with their effects, mask refinement and visibility, and the background
    effects."""
    from rendering.effects.refine import MaskRefinement
    from rendering.effects.stack import ObjectStack, RenderStacks

    objects = []
    for obj in project.objects:
        refinement = obj.refinement
        if not isinstance(refinement, MaskRefinement):
            refinement = MaskRefinement(**dict(refinement or {}))
        objects.append(ObjectStack(obj.object_id, _effect_instances(obj.effects), refinement,
                                   obj.visible))
    return RenderStacks(tuple(objects), _effect_instances(project.background_effects))


def export_request(project, output: Path | str, preset: str, start: int = 0,
                   end: int | None = None, scale: float = 1.0, crf: int | None = None,
                   audio: bool = True, overwrite: bool = False):
    """The :class:`~rendering.export.job.ExportRequest` that renders frames ``[start, end)``
    of ``project`` (end None: to the clip's end) to ``output``.

    The project's own files (its file, backup and mask store) are the request's inputs, so no
    output is written over them; ``overwrite`` lets an output replace what Masklet did not
    write (the user agreed). Pending mask indexes are written first: the export job reads
    the store from disk on its own thread."""
    from editor.model.persistence import project_files
    from rendering.export.job import ExportRequest

    project.masks.flush()
    own = () if project.path is None else project_files(project.path)
    return ExportRequest(project.source_path, Path(output), preset,
                         stacks_from_project(project), project.masks, start=start, end=end,
                         scale=scale, crf=crf, audio=audio, overwrite=overwrite,
                         inputs=(*own, project.masks.root))


def saved_export_request(project_path: Path | str, output: Path | str, preset: str,
                         start: int | None = None, end: int | None = None,
                         scale: float | None = None, crf: int | None = None,
                         audio: bool = True, overwrite: bool = False):
    """The export request of a project file: its in/out range and the export dialog's saved
    choices (scale, the CRF of the same preset, audio off) unless the arguments say
    otherwise. A clip that changed or masks that went missing are errors (they would render
    wrong without a word)."""
    from editor.model.persistence import load_project

    project = load_project(Path(project_path))
    project.check_media()
    project.check_masks()
    saved = project.export
    if crf is None and saved.preset == preset:
        crf = saved.crf  # a CRF belongs to its preset's codec
    return export_request(
        project, output, preset, project.in_frame if start is None else start,
        project.out_frame if end is None else end, scale or saved.scale, crf,
        audio and saved.audio, overwrite)
