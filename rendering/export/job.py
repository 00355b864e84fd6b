"""The export job: a generator that decodes, composites and encodes, one progress per frame.

Usage::

    request = ExportRequest(source_path, output_path, "h264", stacks, mask_source)
    for progress in export_job(request, cancel_event):
        ...  # progress.frames_done / total / fps / eta_s

Decoding, compositing and the conversion to the encoder's pixel format run in a worker
thread ahead of encoding in the caller's thread, behind a bounded queue
(:mod:`rendering.export.pipeline`), so they overlap. With no effect enabled, a source whose
decoded pictures already match the output (BT.709 limited 4:2:0, same size, upright) is
encoded from those pictures, without the RGB round trip. The output is written under a
temporary name and renamed when complete; cancelling (``cancel.set()`` →
:class:`ExportCancelled`, or closing the generator), an error or a kill leaves nothing under
the final name.

Frame rate policy: each source frame of the range is written once, in source order, and
keeps its source time: output frame ``k`` is source frame ``start + k``, stamped at
``time(start + k) - time(start)`` (:class:`rendering.timebase.FrameTimes`). A constant-rate
source gives a constant-rate output at its exact rate (``k / fps``); a variable-rate (VFR)
source gives a VFR output with the source's frame times (to the container's tick: 1 ms for
MKV/WebM) and its average rate as the nominal rate, so at every output time the picture is
the one the source shows then. Audio covers the same range (source times of frames
``start`` and ``end``), so A/V stay in sync; a source without audio gives an output without
audio. PNG sequences and mask PNGs carry no timing: file ``k`` (``00000.png`` ...) is source
frame ``start + k``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np

from rendering.compositor import render_frame, visible_masks
from rendering.effects.base import EffectContext, FrameReader, MaskSource
from rendering.effects.stack import RenderStacks
from rendering.errors import OutputSettingsError, RenderingError
from rendering.export import presets
from rendering.export.mask_folder import MaskFolderSink
from rendering.export.pipeline import background
from rendering.media import outputs
from rendering.media.audio import AudioSpec
from rendering.media.probing import probe
from rendering.media.source import open_source
from rendering.media.video_source import VideoSource
from rendering.media.writer import Picture, VideoWriter
from rendering.timebase import FrameTimes


class ExportCancelled(RenderingError):
    """The export was cancelled; no output was written."""

    user_error = True


@dataclass(frozen=True)
class ExportRequest:
    """What to export.

    Attributes:
        source_path: the source video (or image folder).
        output_path: output file, or folder for PNG/mask presets.
        preset: preset name (see :mod:`rendering.export.presets`).
        stacks: effects to apply.
        masks: mask source at any resolution (resized to the output).
        start, end: source frame range ``[start, end)``; ``end`` None = to the last frame.
        scale: output size / source size (dimensions rounded to even numbers).
        open_media: opens files used by effects (background video); default ``open_source``.
        crf: constant quality replacing the preset's (H.264/HEVC 0–51, VP9 0–63; lower =
            better and bigger); None keeps the preset's. Refused by fixed-quality presets.
        audio: copy the source's audio (when it has some); False writes video only.
        inputs: other files and folders the export reads or that belong to the user's
            project (the project file, its mask folder, a mask folder): the output may not
            be or replace any of them. The source and the effects' media files are added
            by the job.
        overwrite: the user agreed to replace an existing output that Masklet did not write
            (for a folder: only Masklet's own frame files are replaced, nothing else).
    """

    source_path: Path | str
    output_path: Path | str
    preset: str
    stacks: RenderStacks = field(default_factory=RenderStacks)
    masks: MaskSource | None = None
    start: int = 0
    end: int | None = None
    scale: float = 1.0
    open_media: Callable[[str], FrameReader] | None = None
    crf: int | None = None
    audio: bool = True
    inputs: tuple[Path | str, ...] = ()
    overwrite: bool = False


@dataclass(frozen=True)
class ExportProgress:
    """Progress after a frame: counts, speed (frames/s) and estimated seconds left."""

    frames_done: int
    total: int
    fps: float
    eta_s: float
    output_path: Path


def output_size(width: int, height: int, scale: float) -> tuple[int, int]:
    """Scaled size rounded to even numbers (4:2:0 codecs need them), at least 2×2."""
    if scale <= 0:
        raise OutputSettingsError(f"scale must be positive, got {scale}")
    return (max(2, 2 * round(width * scale / 2)), max(2, 2 * round(height * scale / 2)))


class _MediaCache:
    def __init__(self) -> None:
        self._open: dict[str, FrameReader] = {}
        self._lock = threading.Lock()

    def __call__(self, path: str) -> FrameReader:
        with self._lock:
            if path not in self._open:
                self._open[path] = open_source(path)
            return self._open[path]

    def close(self) -> None:
        for src in self._open.values():
            src.close()


def _needs_masks(stacks: RenderStacks) -> bool:
    """False when no enabled effect would look at a mask (masks are then not read)."""
    return any(e.enabled for e in stacks.background) or any(
        e.enabled for s in stacks.objects for e in s.effects)


def _masks_at(request: ExportRequest, index: int) -> dict[int, np.ndarray | None]:
    if request.masks is None:
        return {}
    return {oid: request.masks.read(oid, index) for oid in request.stacks.object_ids}


def output_layout(preset_name: str) -> outputs.FolderLayout | None:
    """The folder layout a preset writes (None: a single file)."""
    p = presets.preset(preset_name)
    if p.kind == "masks":
        return outputs.MASKS
    return outputs.FRAMES if p.suffix == "" else None


def check_request_output(request: ExportRequest) -> None:
    """Refuse, before anything is written, an output that is one of the request's inputs or
    an existing file/folder holding what Masklet did not write (unless ``overwrite``).

    Raises :class:`~rendering.media.outputs.OutputRefusedError` (a user error)."""
    inputs = (request.source_path, *request.inputs, *request.stacks.media_paths)
    outputs.check_output(request.output_path, inputs, output_layout(request.preset),
                         request.overwrite)


class _Job:
    """Per-export state shared by the stage functions (immutable after construction)."""

    def __init__(self, request: ExportRequest) -> None:
        self.request = request
        self.preset = presets.preset(request.preset)
        check_request_output(request)
        self.source = open_source(request.source_path)
        try:
            # a video source has probed itself on opening; probing again costs ~40 ms
            self.info = self.source.info if isinstance(self.source, VideoSource) else \
                probe(request.source_path)
            n = len(self.source)
            self.start = max(0, request.start)
            self.end = n if request.end is None else min(request.end, n)
            if self.start >= self.end:
                raise OutputSettingsError(f"{request.source_path}: empty range {request.start}"
                                          f"..{request.end} (clip has {n} frames)")
        except BaseException:
            self.source.close()
            raise
        self.width, self.height = output_size(self.source.width, self.source.height,
                                              request.scale)
        self.media = _MediaCache()
        self.needs_masks = _needs_masks(request.stacks)
        # No effect, same size, upright: decoded pictures may go to the encoder as they are.
        video = isinstance(self.source, VideoSource)
        self.passthrough = video and not self.needs_masks and self.info.rotation_deg == 0 and \
            (self.width, self.height) == (self.source.width, self.source.height)
        self._rgb = self.source.rgb_converter() if video else None
        self.ctx = EffectContext(fps=self.source.fps, scale=self.width / self.source.width,
                                 frames=self.source, masks=request.masks,
                                 open_media=request.open_media or self.media)

    def close(self) -> None:
        self.media.close()
        self.source.close()

    def _resized(self, frame: np.ndarray) -> np.ndarray:
        if frame.shape[:2] == (self.height, self.width):
            return frame
        return cv2.resize(frame, (self.width, self.height), interpolation=cv2.INTER_AREA)

    def frames(self) -> Iterator[tuple[int, np.ndarray | av.VideoFrame]]:
        """Stage 1: ``(frame_index, frame)`` of the range; a video's frames stay decoded
        pictures (converted by :meth:`rgb`, only where needed, on the worker thread)."""
        if self._rgb is not None:
            return self.source.iter_decoded(self.start, self.end)
        return self.source.iter_frames(self.start, self.end)

    def rgb(self, frame: np.ndarray | av.VideoFrame) -> np.ndarray:
        """H×W×3 uint8 RGB of a stage-1 frame (one converter: call from one thread)."""
        return self._rgb.convert(frame) if isinstance(frame, av.VideoFrame) else frame

    def picture(self, writer: VideoWriter, item: tuple[int, np.ndarray | av.VideoFrame]
                ) -> Picture:
        """Stage 2 for video presets: source frame → the encoder's picture."""
        index, frame = item
        if self.passthrough and isinstance(frame, av.VideoFrame):
            ready = writer.passthrough(frame)
            if ready is not None:
                return ready
        return writer.prepare(self.composite((index, self.rgb(frame))))

    def composite(self, item: tuple[int, np.ndarray]) -> np.ndarray:
        """Stage 2 for video presets: source frame → finished frame."""
        index, frame = item
        if not self.needs_masks:
            return self._resized(frame)
        ctx = EffectContext(index, self.ctx.fps, None, self.ctx.scale, self.ctx.frames,
                            self.ctx.masks, self.ctx.open_media)
        return render_frame(self._resized(frame), _masks_at(self.request, index),
                            self.request.stacks, ctx)

    def matte(self, item: tuple[int, np.ndarray]) -> np.ndarray:
        """Stage 2 for the matte preset: H×W×3 grey, white = union of the objects."""
        index, _ = item
        ctx = EffectContext(index, self.ctx.fps, None, self.ctx.scale, self.ctx.frames,
                            self.ctx.masks)
        vis = visible_masks(_masks_at(self.request, index), self.request.stacks, ctx,
                            self.height, self.width)
        union = np.zeros((self.height, self.width), np.float32)
        for m in vis.values():
            np.maximum(union, m, out=union)
        grey = np.clip(union * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)

    def object_masks(self, item: tuple[int, np.ndarray]) -> dict[int, np.ndarray]:
        """Stage 2 for mask PNGs: object id → refined H×W float32 mask."""
        index, _ = item
        ctx = EffectContext(index, self.ctx.fps, None, self.ctx.scale, self.ctx.frames,
                            self.ctx.masks)
        out = {}
        masks = _masks_at(self.request, index)  # once per frame, not once per object
        for stack in self.request.stacks.objects:
            raw = masks.get(stack.object_id)
            if raw is None:
                continue
            m = cv2.resize(raw.astype(np.float32), (self.width, self.height),
                           interpolation=cv2.INTER_LINEAR)
            out[stack.object_id] = stack.refinement.apply(m, ctx.with_object(stack.object_id))
        return out

    def frame_times(self) -> FrameTimes | None:
        """The source's times of the range for a VFR video source, else None (CFR output)."""
        if not isinstance(self.source, VideoSource) or not self.info.is_vfr:
            return None
        return self.source.range_times(self.start, self.end)

    def audio(self) -> AudioSpec | None:
        if not self.request.audio or self.info.kind != "video" or not self.info.audio:
            return None
        end_s = None if self.end >= len(self.source) else self.source.frame_time(self.end)
        return AudioSpec(self.request.source_path, self.source.frame_time(self.start), end_s)


def export_job(request: ExportRequest, cancel: threading.Event | None = None
               ) -> Iterator[ExportProgress]:
    """Run an export, yielding :class:`ExportProgress` after every written frame.

    Raises:
        ExportCancelled: ``cancel`` was set (checked between frames); nothing is left behind.
        MediaError / DiskFullError / OutputSettingsError: user-fixable problems.
    """
    job = _Job(request)
    try:
        yield from _run(job, cancel)
    finally:
        job.close()


def _frames(job: _Job, stage: Callable) -> Iterator:
    # Decode+composite+colour conversion in one worker, encode in the caller: on a 2-core
    # machine a third thread measured slower (bench_export: 113 vs 135 frames/s), as
    # FFmpeg's decoder and x264 already run their own threads.
    return background(map(stage, job.frames()), depth=6, name="decode-composite")


def _progress(job: _Job, done: int, t0: float) -> ExportProgress:
    total = job.end - job.start
    elapsed = max(1e-6, time.perf_counter() - t0)
    fps = done / elapsed
    return ExportProgress(done, total, fps, (total - done) / fps if fps > 0 else 0.0,
                          Path(job.request.output_path))


def _check_cancel(cancel: threading.Event | None, path: Path | str) -> None:
    if cancel is not None and cancel.is_set():
        raise ExportCancelled(f"{path}: export cancelled")


def _run(job: _Job, cancel: threading.Event | None) -> Iterator[ExportProgress]:
    out_path = Path(job.request.output_path)
    t0 = time.perf_counter()
    if job.preset.kind == "masks":
        if job.request.crf is not None:
            raise OutputSettingsError(f"preset {job.preset.name}: mask PNGs are lossless, so "
                                      "a CRF does not apply — leave it out")
        sink = MaskFolderSink(out_path)
        frames = _frames(job, job.object_masks)
        try:
            for k, masks in enumerate(frames):
                _check_cancel(cancel, out_path)
                sink.write(masks, k)
                yield _progress(job, k + 1, t0)
            sink.commit()
        except BaseException:
            sink.abort()
            raise
        finally:
            frames.close()
        return
    settings = presets.writer_settings(job.preset, job.info.codec,
                                       alpha=job.request.stacks.makes_alpha)
    settings = presets.with_quality(settings, job.request.crf, f"preset {job.preset.name}")
    audio = None if settings.codec == "png" else job.audio()
    with VideoWriter(out_path, settings, job.width, job.height, job.source.fps,
                     audio=audio, frame_times=job.frame_times()) as writer:
        if job.preset.kind == "matte":
            def stage(item):
                return writer.prepare(job.matte(item))
        else:
            def stage(item):
                return job.picture(writer, item)
        frames = _frames(job, stage)
        try:
            for k, picture in enumerate(frames):
                _check_cancel(cancel, out_path)
                writer.write(picture)
                yield _progress(job, k + 1, t0)
        finally:
            frames.close()
