"""Export presets: what an export writes and how.

Kinds:

* ``video``: the composited frames through :class:`rendering.media.writer.VideoWriter`
  (H.264/HEVC MP4, ProRes 4444 MOV and VP9 WebM with alpha, PNG sequence, "same as source");
* ``matte``: a black/white video of the alpha (white = objects), H.264;
* ``masks``: one folder per object with its refined mask as 8-bit PNGs
  (``OUT/<object_id>/<frame_index:05d>.png``, the layout ``track`` writes).
"""

from __future__ import annotations

from dataclasses import dataclass

from rendering.errors import OutputSettingsError
from rendering.media.writer import WriterSettings

#: source codec name (as probed) → our writer codec for "same as source"
_SAME_AS_SOURCE = {"h264": "h264", "hevc": "hevc", "prores": "prores4444", "vp9": "vp9",
                   "ffv1": "ffv1"}


@dataclass(frozen=True)
class ExportPreset:
    """A named export recipe.

    Attributes:
        name: command-line name (``--preset``).
        description: one line for listings.
        kind: ``"video"``, ``"matte"`` or ``"masks"``.
        settings: writer settings (None for ``masks`` and ``same-as-source``).
        suffix: default output suffix ("" = a folder).
    """

    name: str
    description: str
    kind: str = "video"
    settings: WriterSettings | None = None
    suffix: str = ".mp4"


PRESETS: tuple[ExportPreset, ...] = (
    ExportPreset("h264", "H.264 MP4, CRF 18 (plays everywhere)",
                 settings=WriterSettings("h264", crf=18, speed_preset="veryfast")),
    ExportPreset("hevc", "HEVC (H.265) MP4, CRF 22 (smaller files)",
                 settings=WriterSettings("hevc", crf=22, speed_preset="fast")),
    ExportPreset("prores4444", "ProRes 4444 MOV with alpha (for editing)",
                 settings=WriterSettings("prores4444", alpha=True), suffix=".mov"),
    ExportPreset("vp9-alpha", "VP9 WebM with alpha (for the web)",
                 settings=WriterSettings("vp9", crf=30, alpha=True, speed_preset="6"),
                 suffix=".webm"),
    ExportPreset("png-rgba", "PNG sequence, RGBA (a folder of 00000.png ...)",
                 settings=WriterSettings("png", alpha=True), suffix=""),
    ExportPreset("matte", "Matte video: white objects on black (H.264 MP4)", kind="matte",
                 settings=WriterSettings("h264", crf=12, speed_preset="veryfast")),
    ExportPreset("mask-pngs", "Per-object mask PNGs (OUT/<object_id>/<frame>.png)",
                 kind="masks", suffix=""),
    ExportPreset("same-as-source", "The source's codec (H.264 if it cannot be written)",
                 suffix=""),
)


def preset(name: str) -> ExportPreset:
    """The preset called ``name``; a user error naming the choices otherwise."""
    for p in PRESETS:
        if p.name == name:
            return p
    known = ", ".join(p.name for p in PRESETS)
    raise OutputSettingsError(f"unknown preset {name!r} — choose one of: {known}")


def default_preset_for(output_suffix: str) -> str:
    """A sensible preset for an output name when none is given."""
    return {".mov": "prores4444", ".webm": "vp9-alpha", "": "png-rgba"}.get(
        output_suffix.lower(), "h264")


def writer_settings(p: ExportPreset, source_codec: str, alpha: bool) -> WriterSettings:
    """Concrete writer settings of a video/matte preset for a source codec.

    ``alpha`` False (no effect makes transparency) drops the alpha channel of alpha presets,
    which keeps files smaller; the matte is always opaque grey.
    """
    if p.name == "same-as-source":
        codec = _SAME_AS_SOURCE.get(source_codec, "h264")
        base = WriterSettings(codec)
        return WriterSettings(codec, alpha=alpha and base.spec.supports_alpha)
    if p.settings is None:
        raise ValueError(f"preset {p.name} does not write a video")
    if p.kind == "matte":
        return p.settings
    from dataclasses import replace

    return replace(p.settings, alpha=p.settings.alpha and alpha)


#: Constant-quality (CRF) range of each codec whose presets use one.
CRF_RANGE = {"h264": (0, 51), "hevc": (0, 51), "vp9": (0, 63)}


def with_quality(settings: WriterSettings, crf: int | None, where: str) -> WriterSettings:
    """``settings`` with its CRF replaced by ``crf`` (None: unchanged).

    Only constant-quality codecs take one (H.264, HEVC, VP9; lower = better and bigger);
    ProRes, PNG and FFV1 have a fixed quality and refuse it, as does a value out of range.
    """
    if crf is None:
        return settings
    if settings.codec not in CRF_RANGE:
        raise OutputSettingsError(f"{where}: {settings.codec} has a fixed quality, so a CRF "
                                  "does not apply — leave it out or pick h264, hevc or "
                                  "vp9-alpha")
    lo, hi = CRF_RANGE[settings.codec]
    if not lo <= int(crf) <= hi:
        raise OutputSettingsError(f"{where}: CRF {crf} is outside {lo}..{hi} for "
                                  f"{settings.codec} (lower = better quality, bigger file)")
    from dataclasses import replace

    return replace(settings, crf=int(crf))


def same_as_source_suffix(source_codec: str) -> str:
    codec = _SAME_AS_SOURCE.get(source_codec, "h264")
    return WriterSettings(codec).spec.default_suffix
