"""Media I/O behind one PyAV adapter: probe, frame sources, writer, audio.

Main entry points (each also importable from its own module)::

    probe(path) -> MediaInfo                      # rendering.media.probing
    open_source(path, fps=None) -> frame source   # rendering.media.source
    VideoWriter, WriterSettings                   # rendering.media.writer
    AudioSpec                                     # rendering.media.audio
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # lazy re-exports keep `import rendering.media` cheap
    from rendering.media.audio import AudioSpec
    from rendering.media.image_sources import ImageFolderSource, ImageSource
    from rendering.media.info import AudioStreamInfo, MediaInfo
    from rendering.media.probing import probe
    from rendering.media.source import FrameSource, open_source
    from rendering.media.video_source import VideoSource
    from rendering.media.writer import VideoWriter, WriterSettings

_EXPORTS = {
    "AudioSpec": "rendering.media.audio",
    "AudioStreamInfo": "rendering.media.info",
    "MediaInfo": "rendering.media.info",
    "probe": "rendering.media.probing",
    "FrameSource": "rendering.media.source",
    "open_source": "rendering.media.source",
    "VideoSource": "rendering.media.video_source",
    "ImageFolderSource": "rendering.media.image_sources",
    "ImageSource": "rendering.media.image_sources",
    "VideoWriter": "rendering.media.writer",
    "WriterSettings": "rendering.media.writer",
}

__all__ = [
    "AudioSpec", "AudioStreamInfo", "FrameSource", "ImageFolderSource", "ImageSource",
    "MediaInfo", "VideoSource", "VideoWriter", "WriterSettings", "open_source", "probe",
]


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rendering.media' has no attribute {name!r}")
