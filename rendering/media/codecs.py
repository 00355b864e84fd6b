"""Output codec table: which encoder, container, pixel format and options each export codec uses.

One :class:`CodecSpec` per user-facing codec name. :mod:`rendering.media.writer` is the only
user; presets (``rendering/export``) refer to codecs by these names.
"""

from __future__ import annotations

from dataclasses import dataclass

from rendering.errors import OutputSettingsError


@dataclass(frozen=True)
class CodecSpec:
    """How to write one codec.

    Attributes:
        name: user-facing codec name (``"h264"``, ``"prores4444"``...).
        encoder: FFmpeg encoder name.
        suffixes: file suffixes (lower case, with dot) whose container can hold the codec;
            the first is the default. Empty for image sequences (the output is a folder).
        pix_fmt: encoder pixel format without alpha.
        alpha_pix_fmt: pixel format with alpha, or ``None`` when the codec has no alpha.
        rgb: True when ``pix_fmt`` is an RGB format (no YUV matrix involved).
        chroma_subsampled: True for 4:2:0 formats, which need even width and height.
        audio_encoder: encoder used when audio must be re-encoded for this codec's container.
    """

    name: str
    encoder: str
    suffixes: tuple[str, ...]
    pix_fmt: str
    alpha_pix_fmt: str | None
    rgb: bool = False
    chroma_subsampled: bool = False
    audio_encoder: str = "aac"

    @property
    def supports_alpha(self) -> bool:
        return self.alpha_pix_fmt is not None

    @property
    def default_suffix(self) -> str:
        return self.suffixes[0] if self.suffixes else ""


CODECS: dict[str, CodecSpec] = {
    spec.name: spec
    for spec in (
        CodecSpec("h264", "libx264", (".mp4", ".mov", ".mkv"), "yuv420p", None,
                  chroma_subsampled=True),
        CodecSpec("hevc", "libx265", (".mp4", ".mov", ".mkv"), "yuv420p", None,
                  chroma_subsampled=True),
        CodecSpec("prores4444", "prores_ks", (".mov",), "yuv444p10le", "yuva444p10le"),
        CodecSpec("vp9", "libvpx-vp9", (".webm", ".mkv"), "yuv420p", "yuva420p",
                  chroma_subsampled=True, audio_encoder="libopus"),
        CodecSpec("ffv1", "ffv1", (".mkv",), "bgr0", "bgra", rgb=True),
        CodecSpec("png", "png", (), "rgb24", "rgba", rgb=True),
    )
}

#: Container format names FFmpeg uses for our suffixes.
CONTAINER_FORMATS = {".mp4": "mp4", ".mov": "mov", ".mkv": "matroska", ".webm": "webm"}


def codec_spec(name: str) -> CodecSpec:
    """The spec of a codec name; ``OutputSettingsError`` listing the valid names otherwise."""
    try:
        return CODECS[name]
    except KeyError:
        valid = ", ".join(sorted(CODECS))
        raise OutputSettingsError(f"unknown output codec {name!r} — use one of: {valid}") from None


def encoder_options(
    spec: CodecSpec,
    crf: int | None,
    bitrate_bps: int | None,
    speed_preset: str | None,
    gop_frames: int | None,
) -> dict[str, str]:
    """FFmpeg private options for the encoder (all values strings, as FFmpeg wants them).

    ``crf`` (constant quality) wins over ``bitrate_bps`` when both are given; with neither, a
    visually lossless default is used. ``speed_preset`` is x264/x265's ``preset`` or libvpx's
    ``cpu-used`` (0 slowest .. 8 fastest).
    """
    opts: dict[str, str] = {}
    if spec.name in ("h264", "hevc"):
        if crf is not None or bitrate_bps is None:
            opts["crf"] = str(crf if crf is not None else (18 if spec.name == "h264" else 22))
        opts["preset"] = speed_preset or "medium"
        if spec.name == "hevc":
            opts["x265-params"] = "log-level=error"
    elif spec.name == "vp9":
        if crf is not None or bitrate_bps is None:
            opts["crf"] = str(crf if crf is not None else 30)
            if bitrate_bps is None:
                opts["b"] = "0"
        opts["deadline"] = "good"
        opts["cpu-used"] = speed_preset or "4"
        opts["row-mt"] = "1"
    elif spec.name == "prores4444":
        opts["profile"] = "4444"
        opts["vendor"] = "apl0"
    elif spec.name == "ffv1":
        opts["level"] = "3"
        opts["slicecrc"] = "1"
    if gop_frames is not None and spec.name in ("h264", "hevc", "vp9"):
        opts["g"] = str(int(gop_frames))
    return opts
